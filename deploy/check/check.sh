#!/usr/bin/env bash
# Validates everything under deploy/. Usage: deploy/check/check.sh [--publish]
#   1. every YAML file parses; every kustomization's resources exist; all kustomizations build
#   2. every object validates against the Kubernetes / Istio JSON schemas and type-checks against
#      their TypeScript models (unknown or misspelled fields fail)
#   3. cross-reference checks (selectors, ports, probes, referenced objects, subsets, weights, ...)
#   4. the Dockerfile parses and has the expected structure
#   --publish: also runs the Dockerfile's RUN commands for all six projects with the local SDK
# npm tools are installed into a scratch directory outside the repository ($DEPLOY_CHECK_WORK).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deploy="$(dirname "$here")"
repo="$(dirname "$deploy")"
work="${DEPLOY_CHECK_WORK:-${TMPDIR:-/tmp}/live-deploy-check}"

mkdir -p "$work"
cp "$here/package.json" "$here"/*.mjs "$work/"
(cd "$work" && npm install --no-audit --no-fund --loglevel=error >/dev/null)

echo "==> kustomize builds"
for k in k8s k8s/migrate istio istio/canary; do
  if command -v kubectl >/dev/null; then
    out="$(kubectl kustomize "$deploy/$k")"
  elif command -v kustomize >/dev/null; then
    out="$(kustomize build "$deploy/$k")"
  else
    echo "neither kubectl nor kustomize found" >&2; exit 1
  fi
  echo "    deploy/$k: $(grep -c '^kind:' <<<"$out") objects"
done

echo "==> YAML, kustomization references, schemas, cross-references"
(cd "$work" && node validate.mjs "$deploy")
echo "==> strict field check (TypeScript models)"
(cd "$work" && node typecheck.mjs "$deploy")
echo "==> Dockerfile"
(cd "$work" && node dockerfile-check.mjs "$deploy/docker/Dockerfile")

if [[ "${1:-}" == "--publish" ]]; then
  echo "==> Dockerfile RUN steps for every project (local .NET SDK, no Docker daemon)"
  rm -rf "$work/ctx" && mkdir -p "$work/ctx"
  cp "$repo/global.json" "$repo/Directory.Build.props" "$repo/Directory.Packages.props" "$work/ctx/"
  cp -r "$repo/protos" "$repo/src" "$work/ctx/"
  find "$work/ctx/src" -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
  (cd "$work" && node dockersim.mjs "$deploy/docker/Dockerfile" "$work/ctx" "$work/publish")
fi
echo "deploy check passed"
