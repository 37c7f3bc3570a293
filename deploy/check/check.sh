#!/usr/bin/env bash
# Validates everything under deploy/. Usage: deploy/check/check.sh [--publish]
#   1. every YAML file parses; every kustomization's resources exist; all kustomizations build
#   2. every object validates against the Kubernetes / Istio JSON schemas and type-checks against
#      their TypeScript models (unknown or misspelled fields fail)
#   3. cross-reference checks (selectors, ports, probes, referenced objects, subsets, weights, ...)
#   4. the Dockerfile parses and has the expected structure
#   5. the alert rules pass `promtool check rules` and their unit tests (`promtool test rules`); the
#      Grafana dashboards are valid JSON with a uid, a Prometheus data source variable and queries
#   --publish: also runs the Dockerfile's RUN commands for all six projects with the local SDK
# npm tools are installed into a directory outside the repository ($DEPLOY_CHECK_WORK) and kept there:
# a later run with the same package.json installs nothing, so the check also runs offline.
# ./platform test runs it (tests/Operations.Tests) with DEPLOY_CHECK_WORK=.local/deploy-check.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deploy="$(dirname "$here")"
repo="$(dirname "$deploy")"
work="${DEPLOY_CHECK_WORK:-${TMPDIR:-/tmp}/live-deploy-check}"

mkdir -p "$work"
cp "$here"/*.mjs "$work/"
if ! cmp -s "$here/package.json" "$work/package.json" || [[ ! -d "$work/node_modules" ]]; then
  cp "$here/package.json" "$work/"
  (cd "$work" && npm install --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
fi

echo "==> kustomize builds"
for k in k8s k8s/migrate istio istio/canary prometheus grafana; do
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
echo "==> Prometheus rules (promtool) and Grafana dashboards"
command -v promtool >/dev/null || { echo "promtool not found (Debian package prometheus)" >&2; exit 1; }
promtool check rules "$deploy"/prometheus/rules/*.yml
promtool test rules "$deploy"/prometheus/tests/*.yml
(cd "$work" && node dashboards-check.mjs "$deploy/grafana")

if [[ "${1:-}" == "--publish" ]]; then
  echo "==> Dockerfile RUN steps for every project (local .NET SDK, no Docker daemon)"
  rm -rf "$work/ctx" && mkdir -p "$work/ctx"
  cp "$repo/global.json" "$repo/Directory.Build.props" "$repo/Directory.Packages.props" "$work/ctx/"
  cp -r "$repo/protos" "$repo/src" "$work/ctx/"
  find "$work/ctx/src" -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
  (cd "$work" && node dockersim.mjs "$deploy/docker/Dockerfile" "$work/ctx" "$work/publish")
fi
echo "deploy check passed"
