// Strict field-name check: every object is written into a TypeScript file as an object literal
// typed with the model's interface, so tsc's excess-property checks flag any unknown/misspelled field.
import fs from "node:fs";
import path from "node:path";
import * as yaml from "js-yaml";
import { execFileSync } from "node:child_process";
const root = process.argv[2];
function walk(d) { return fs.readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]); }
// Prometheus rule files and their unit tests are not Kubernetes objects: check.sh checks them with promtool.
const notManifest = (f) => /[\\/]prometheus[\\/](rules|tests)[\\/]/.test(f);
const mod = {
  "v1": "kubernetes-models/v1", "apps/v1": "kubernetes-models/apps/v1", "batch/v1": "kubernetes-models/batch/v1",
  "policy/v1": "kubernetes-models/policy/v1", "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "networking.istio.io/v1": "@kubernetes-models/istio/networking.istio.io/v1beta1",
  "networking.istio.io/v1alpha3": "@kubernetes-models/istio/networking.istio.io/v1alpha3",
  "security.istio.io/v1": "@kubernetes-models/istio/security.istio.io/v1beta1",
};
const mapped = { "networking.istio.io/v1": "networking.istio.io/v1beta1", "security.istio.io/v1": "security.istio.io/v1beta1" };
let imports = new Map(), body = [], n = 0;
for (const f of walk(root).filter(f => /\.ya?ml$/.test(f) && !notManifest(f)).sort()) {
  for (const d of yaml.loadAll(fs.readFileSync(f, "utf8")).filter(Boolean)) {
    if (d.apiVersion?.startsWith("kustomize.config.k8s.io")) continue;
    const m = `${mod[d.apiVersion]}/${d.kind}`, alias = `I${d.kind}_${Object.keys(mod).indexOf(d.apiVersion)}`;
    imports.set(alias, `import type { I${d.kind} as ${alias} } from "${m}";`);
    const v = mapped[d.apiVersion] ? { ...d, apiVersion: mapped[d.apiVersion] } : d;
    body.push(`// ${path.relative(root, f)}: ${d.kind}/${d.metadata.name}\nexport const o${n++}: ${alias} = ${JSON.stringify(v, null, 2)};`);
  }
}
fs.writeFileSync("objects.ts", [...imports.values(), ...body].join("\n") + "\n");
try {
  execFileSync("node_modules/.bin/tsc", ["--noEmit", "--strict", "--skipLibCheck", "--moduleResolution", "bundler", "--module", "esnext", "--target", "es2022", "objects.ts"], { stdio: "pipe" });
  console.log(`typecheck: ${n} objects, no unknown or mistyped fields`);
} catch (e) { console.log(e.stdout.toString()); console.log("typecheck FAILED"); process.exit(1); }
