// Grafana dashboards under deploy/grafana: valid JSON, a unique uid and title, a Prometheus data source
// variable, and every panel query non-empty and pointed at that variable. (That the metrics they name exist
// is checked against live scrapes by tests/Operations.Tests.)
// Usage: node dashboards-check.mjs <grafana dir>
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
let failures = 0;
const fail = (m) => { failures++; console.log("FAIL " + m); };
const panels = (c) => (c.panels ?? []).flatMap(p => [p, ...panels(p)]);
const uids = new Set();
const files = fs.readdirSync(dir).filter(f => f.endsWith(".json")).sort();
for (const f of files) {
  let d;
  try { d = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")); } catch (e) { fail(`${f}: ${e.message}`); continue; }
  if (!d.uid || uids.has(d.uid)) fail(`${f}: missing or repeated uid`);
  uids.add(d.uid);
  if (!d.title) fail(`${f}: no title`);
  const ds = (d.templating?.list ?? []).find(v => v.type === "datasource" && v.query === "prometheus");
  if (!ds) fail(`${f}: no Prometheus data source variable`);
  let queries = 0;
  for (const p of panels(d)) {
    for (const t of p.targets ?? []) {
      queries++;
      if (!t.expr?.trim()) fail(`${f}: panel '${p.title}' has an empty query`);
      if (t.datasource?.uid !== "${" + ds?.name + "}") fail(`${f}: panel '${p.title}' does not use the data source variable`);
    }
  }
  if (queries === 0) fail(`${f}: no queries`);
}
console.log(`dashboards: ${files.length} checked`);
if (failures) { console.log(`${failures} failure(s)`); process.exit(1); }
