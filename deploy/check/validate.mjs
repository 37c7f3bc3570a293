// Validates deploy/: YAML parse, kustomization references (and that no manifest is left out of its
// directory's kustomization), JSON-schema validation of every object (kubernetes-models for core
// kinds, @kubernetes-models/istio for Istio CRDs), and cross-reference checks between the objects.
// Usage: node validate.mjs <deploy dir>
import fs from "node:fs";
import path from "node:path";
import * as yaml from "js-yaml";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);

const root = process.argv[2];
let failures = 0, checks = 0;
const fail = (m) => { failures++; console.log("FAIL " + m); };
const ok = (c, m) => { checks++; if (!c) fail(m); };

function walk(d) { return fs.readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]); }
// Prometheus rule files and their unit tests are not Kubernetes objects: check.sh checks them with promtool.
const notManifest = (f) => /[\\/]prometheus[\\/](rules|tests)[\\/]/.test(f);
const files = walk(root).filter(f => /\.ya?ml$/.test(f) && !notManifest(f)).sort();

// 1. Parse every YAML file (all documents).
const docsByFile = {};
for (const f of files) {
  try {
    docsByFile[f] = yaml.loadAll(fs.readFileSync(f, "utf8")).filter(d => d != null);
    checks++;
  } catch (e) { fail(`${f}: YAML parse error: ${e.message}`); }
}
console.log(`parsed ${files.length} YAML files, ${Object.values(docsByFile).flat().length} documents`);

// 2. Kustomization resources exist.
for (const f of files.filter(f => path.basename(f) === "kustomization.yaml")) {
  const k = docsByFile[f][0];
  for (const r of k.resources ?? []) {
    const p = path.join(path.dirname(f), r);
    ok(fs.existsSync(p), `${f}: resource ${r} does not exist`);
  }
  // every non-kustomization yaml in the same dir is listed, except the documented exceptions
  const listed = new Set((k.resources ?? []).map(r => path.normalize(r)));
  for (const g of fs.readdirSync(path.dirname(f))) {
    // secrets.template.yaml is kept out of every kustomization on purpose (placeholders only).
    if (/\.ya?ml$/.test(g) && g !== "kustomization.yaml" && g !== "secrets.template.yaml")
      ok(listed.has(g), `${path.join(path.dirname(f), g)} is not listed in ${f}`);
  }
}

// 3. Schema validation.
const k8s = {
  "v1": require("kubernetes-models/v1"),
  "apps/v1": require("kubernetes-models/apps/v1"),
  "batch/v1": require("kubernetes-models/batch/v1"),
  "policy/v1": require("kubernetes-models/policy/v1"),
  "autoscaling/v2": require("kubernetes-models/autoscaling/v2"),
};
const istioMap = {
  "networking.istio.io/v1": "networking.istio.io/v1beta1",     // v1 is the promoted v1beta1 schema
  "networking.istio.io/v1beta1": "networking.istio.io/v1beta1",
  "networking.istio.io/v1alpha3": "networking.istio.io/v1alpha3",
  "security.istio.io/v1": "security.istio.io/v1beta1",
};
function modelFor(doc) {
  if (k8s[doc.apiVersion]) return k8s[doc.apiVersion][doc.kind];
  if (istioMap[doc.apiVersion]) {
    try { return require(`@kubernetes-models/istio/${istioMap[doc.apiVersion]}`)[doc.kind]; } catch { return undefined; }
  }
  return undefined;
}
const all = [];
for (const [f, docs] of Object.entries(docsByFile)) {
  for (const d of docs) {
    if (d.apiVersion?.startsWith("kustomize.config.k8s.io")) continue;
    all.push({ f, d });
    const M = modelFor(d);
    if (!M) { fail(`${f}: no schema for ${d.apiVersion} ${d.kind}`); continue; }
    // Istio's v1 APIs are the v1beta1 schemas promoted unchanged; validate under the modelled version.
    const v = istioMap[d.apiVersion] ? { ...d, apiVersion: istioMap[d.apiVersion] } : d;
    try { new M(v).validate(); checks++; }
    catch (e) { fail(`${f}: ${d.kind}/${d.metadata?.name}: ${e.message}`); }
  }
}
console.log(`schema-validated ${all.length} objects`);

// 4. Cross-reference checks.
const byKind = (k) => all.filter(x => x.d.kind === k);
const names = (k) => new Set(byKind(k).map(x => x.d.metadata.name));
const sas = names("ServiceAccount"), cms = names("ConfigMap"), secrets = names("Secret"), services = byKind("Service");
const matches = (sel, labels) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);
const workloads = [...byKind("Deployment"), ...byKind("Job")];
for (const { f, d } of workloads) {
  const id = `${f}: ${d.kind}/${d.metadata.name}`;
  const t = d.spec.template, ps = t.spec;
  ok(d.metadata.namespace === "live", `${id}: namespace`);
  if (d.kind === "Deployment") {
    ok(matches(d.spec.selector.matchLabels, t.metadata.labels), `${id}: selector does not match template labels`);
    ok(t.metadata.labels.app && t.metadata.labels.version, `${id}: app/version labels`);
    ok(t.metadata.annotations?.["prometheus.io/scrape"] === "true" && t.metadata.annotations?.["prometheus.io/port"] === "8081", `${id}: prometheus annotations`);
    ok((ps.topologySpreadConstraints ?? []).length >= 1, `${id}: topology spread`);
    for (const c of ps.topologySpreadConstraints ?? []) ok(matches(c.labelSelector.matchLabels, t.metadata.labels), `${id}: spread selector`);
  }
  ok(sas.has(ps.serviceAccountName), `${id}: ServiceAccount ${ps.serviceAccountName} missing`);
  ok(ps.securityContext?.runAsNonRoot === true && ps.securityContext?.seccompProfile?.type === "RuntimeDefault", `${id}: pod securityContext`);
  for (const c of ps.containers) {
    const cid = `${id} container ${c.name}`;
    const sc = c.securityContext ?? {};
    ok(sc.readOnlyRootFilesystem === true && sc.allowPrivilegeEscalation === false && sc.capabilities?.drop?.includes("ALL"), `${cid}: container securityContext`);
    ok(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory && c.resources?.limits?.cpu, `${cid}: resources`);
    ok(c.volumeMounts?.some(v => v.mountPath === "/tmp"), `${cid}: /tmp mount`);
    ok(Array.isArray(c.command) && c.command[0] === "dotnet" && /^\/app\/Live\.[A-Za-z]+\.dll$/.test(c.command[1]), `${cid}: command`);
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef) ok(cms.has(ef.configMapRef.name), `${cid}: ConfigMap ${ef.configMapRef.name} missing`);
      if (ef.secretRef) ok(secrets.has(ef.secretRef.name), `${cid}: Secret ${ef.secretRef.name} not in secrets template`);
    }
    if (d.kind === "Deployment") {
      const portNames = new Set((c.ports ?? []).map(p => p.name));
      for (const pr of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        ok(c[pr]?.httpGet?.port === "http" && portNames.has("http"), `${cid}: ${pr} must use the http port`);
      }
      ok(c.readinessProbe?.httpGet?.path === "/health/ready" && c.livenessProbe?.httpGet?.path === "/health/live", `${cid}: probe paths`);
      const env = Object.fromEntries((c.env ?? []).map(e => [e.name, e.value]));
      if (portNames.has("grpc")) ok(env["Kestrel__Endpoints__Grpc__Url"] === "http://0.0.0.0:8080", `${cid}: grpc endpoint`);
      ok(env["Kestrel__Endpoints__Http__Url"] === "http://0.0.0.0:8081", `${cid}: http endpoint`);
      const grace = ps.terminationGracePeriodSeconds, pre = c.lifecycle?.preStop?.sleep?.seconds ?? 0, shut = Number(env["DOTNET_shutdownTimeoutSeconds"]);
      ok(pre + shut < grace, `${cid}: preStop ${pre}s + shutdown ${shut}s must be < grace ${grace}s`);
      // some Service selects these pods and its targetPorts exist
      const svc = services.filter(s => matches(s.d.spec.selector, t.metadata.labels));
      ok(svc.length === 1, `${cid}: expected exactly one Service selecting the pods, found ${svc.length}`);
      for (const s of svc) for (const p of s.d.spec.ports) ok(portNames.has(p.targetPort), `${cid}: Service port ${p.name} targets missing port ${p.targetPort}`);
    }
  }
}
for (const { f, d } of services) {
  for (const p of d.spec.ports) {
    if (p.port === 8080) ok(p.name === "grpc" && p.appProtocol === "grpc", `${f}: Service ${d.metadata.name} port 8080 must be grpc`);
  }
}
const deployments = byKind("Deployment");
for (const { f, d } of byKind("PodDisruptionBudget")) ok(deployments.some(x => matches(d.spec.selector.matchLabels, x.d.spec.template.metadata.labels)), `${f}: PDB ${d.metadata.name} selects nothing`);
for (const { f, d } of byKind("HorizontalPodAutoscaler")) {
  const t = deployments.find(x => x.d.metadata.name === d.spec.scaleTargetRef.name);
  ok(t, `${f}: HPA target ${d.spec.scaleTargetRef.name} missing`);
  ok(t && t.d.spec.replicas === undefined, `${f}: HPA-managed Deployment should not set replicas`);
}
for (const app of ["edge", "message-service"]) ok(byKind("HorizontalPodAutoscaler").some(x => x.d.spec.scaleTargetRef.name === app), `HPA for ${app}`);
for (const app of ["proxy", "edge", "room-service", "user-service", "message-service", "stats-service", "commerce-service"]) {
  ok(byKind("PodDisruptionBudget").some(x => x.d.spec.selector.matchLabels.app === app), `PDB for ${app}`);
  ok(deployments.some(x => x.d.metadata.name === app && x.d.spec.template.metadata.labels.version === "v1"), `v1 Deployment for ${app}`);
}
// Istio: subsets referenced by VirtualServices exist; weights sum to 100; header canary present.
const drs = byKind("DestinationRule");
const svcHosts = new Set(services.map(s => `${s.d.metadata.name}.live.svc.cluster.local`));
for (const { f, d } of byKind("VirtualService")) {
  for (const r of d.spec.http) {
    const routes = r.route ?? [];
    if (routes.length > 1) ok(routes.reduce((a, x) => a + (x.weight ?? 0), 0) === 100, `${f}: ${d.metadata.name}/${r.name} weights must sum to 100`);
    ok(r.timeout === undefined, `${f}: ${d.metadata.name}/${r.name} sets a route timeout`);
    for (const x of routes) {
      ok(svcHosts.has(x.destination.host), `${f}: unknown host ${x.destination.host}`);
      if (x.destination.subset) {
        const dr = drs.find(y => y.d.spec.host === x.destination.host);
        ok(dr && dr.d.spec.subsets.some(s => s.name === x.destination.subset), `${f}: subset ${x.destination.subset} of ${x.destination.host} not defined`);
      }
    }
  }
}
for (const app of ["room-service", "user-service", "message-service", "stats-service", "commerce-service"]) {
  const host = `${app}.live.svc.cluster.local`;
  const vs = byKind("VirtualService").find(x => x.d.spec.hosts.includes(host));
  ok(vs && vs.d.spec.http[0].match[0].headers?.["x-canary"]?.exact === "true" && vs.d.spec.http[0].route[0].destination.subset === "v2", `${app}: x-canary route to v2 first`);
  ok(vs && vs.d.spec.http[1].route.find(r => r.destination.subset === "v1").weight === 100, `${app}: default weight 100/0`);
  const dr = drs.find(x => x.d.spec.host === host);
  ok(dr && ["v1", "v2"].every(n => dr.d.spec.subsets.some(s => s.name === n && s.labels.version === n)), `${app}: subsets v1/v2`);
}
// Room affinity (ADR 0011): the Edge's DestinationRule hashes the room query parameter the Edge reads.
const edgeDr = drs.find(x => x.d.spec.host === "edge.live.svc.cluster.local");
const edgeLb = edgeDr?.d.spec.trafficPolicy?.loadBalancer;
ok(edgeLb?.consistentHash?.httpQueryParameterName === "room", "edge: DestinationRule loadBalancer.consistentHash.httpQueryParameterName must be room");
ok(edgeLb?.simple === undefined, "edge: DestinationRule must not set simple load balancing (it would replace the room hash)");
const pa = byKind("PeerAuthentication");
ok(pa.some(x => x.d.metadata.namespace === "live" && x.d.spec.mtls.mode === "STRICT" && !x.d.spec.selector), "PeerAuthentication STRICT in live");
for (const { f, d } of byKind("AuthorizationPolicy")) {
  for (const r of d.spec.rules ?? []) for (const fr of r.from ?? []) for (const p of fr.source.principals ?? []) {
    const m = /^cluster\.local\/ns\/live\/sa\/(.+)$/.exec(p);
    if (m) ok(sas.has(m[1]), `${f}: principal ${p} has no ServiceAccount`);
  }
}
// Canary Deployment example
const v2 = deployments.find(x => x.d.metadata.name === "room-service-v2");
ok(v2 && v2.d.spec.template.metadata.labels.version === "v2" && v2.d.spec.selector.matchLabels.version === "v2", "room-service-v2 canary Deployment");
// Secret template placeholders only
for (const { f, d } of byKind("Secret")) for (const [k, v] of Object.entries(d.stringData ?? {})) ok(/<PLACEHOLDER-CHANGE-ME>/.test(v), `${f}: ${d.metadata.name}.${k} is not a placeholder`);
ok(!byKind("Secret").length || files.every(f => path.basename(f) !== "kustomization.yaml" || !(docsByFile[f][0].resources ?? []).some(r => r.includes("secret"))), "secret template not in any kustomization");

console.log(`${checks - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
