// The table of a `perf/run-benchmarks.sh compare` run: each round's before and after side by side, with the Edge's
// CPU per frame written and per delivery, and after ÷ before per round.
//
//   node perf/summarize-compare.mjs perf/results/<compare run>     (writes summary.md there too)
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node perf/summarize-compare.mjs <results directory of a compare run>");
  process.exit(2);
}

const runs = {};
for (const file of fs.readdirSync(dir)) {
  const match = /^compare-(before|after)-(\d+)\.json$/.exec(file);
  if (!match) continue;
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  const s = report.summary;
  const edge = s.servers.find(x => x.name === "edge");
  const ms = s.servers.find(x => x.name === "message-service");
  (runs[match[2]] ??= {})[match[1]] = {
    started: report.startedAt.slice(11, 19),
    load: report.loadAverageBefore.map(v => v.toFixed(1)).join(" "),
    sustained: s.sustained,
    deliveries: s.deliveriesPerSecond,
    frames: s.framesPerSecond,
    p99: s.deliveryLatencyMs.p99,
    edgeCores: edge.cpuCores,
    usPerFrame: edge.cpuCores * 1e6 / s.framesPerSecond,
    usPerDelivery: edge.cpuCores * 1e6 / s.deliveriesPerSecond,
    msCores: ms?.cpuCores ?? 0,
    clientCores: s.client.cpuCores,
    edgeRss: edge.rssMiB,
  };
}

const n = (v, digits = 0) => v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const lines = [
  "| round | build | started (UTC) | load average before | sustained | deliveries/s | frames/s | P99 ms | Edge cores | Edge µs per frame | Edge µs per delivery | after ÷ before, per frame | MessageService / LoadGen cores | Edge RSS MiB |",
  "| ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
];
const ratios = [];
for (const round of Object.keys(runs).sort((a, b) => a - b)) {
  const { before, after } = runs[round];
  for (const [name, r] of [["before", before], ["after", after]]) {
    if (!r) continue;
    const ratio = name === "after" && before ? r.usPerFrame / before.usPerFrame : null;
    if (ratio !== null) ratios.push(ratio);
    lines.push(`| ${round} | ${name} | ${r.started} | ${r.load} | ${r.sustained ? "yes" : "no"} | ${n(r.deliveries)} | ${n(r.frames)} | ${n(r.p99, 1)} | ${r.edgeCores.toFixed(2)} | ${n(r.usPerFrame, 1)} | ${n(r.usPerDelivery, 3)} | ${ratio === null ? "" : ratio.toFixed(2)} | ${r.msCores.toFixed(2)} / ${r.clientCores.toFixed(2)} | ${n(r.edgeRss)} |`);
  }
}
if (ratios.length) {
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  lines.push("", `After ÷ before, Edge CPU per frame: ${ratios.map(r => r.toFixed(2)).join(", ")} (mean ${mean.toFixed(2)}; ${ratios.filter(r => r < 1).length} of ${ratios.length} lower).`);
}
const text = lines.join("\n") + "\n";
fs.writeFileSync(path.join(dir, "summary.md"), text);
process.stdout.write(text);
