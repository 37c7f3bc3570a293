// The public-path runs of perf/door/run.sh as one markdown table: per round and audience, each door beside the
// straight run of the same round; CPU per frame = a process's cores ÷ the frames/s the viewers received (the
// Proxy also forwards the senders' frames upstream, RATE per second, which this leaves in its figure).
//   node perf/door/summarize.mjs perf/results/door
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "perf/results/door";
const runs = readdirSync(dir)
  .filter((name) => /^door-\d+-.+-\d+\.json$/.test(name))
  .map((name) => {
    const [, viewers, path, round] = name.match(/^door-(\d+)-(.+)-(\d+)\.json$/);
    return { ...JSON.parse(readFileSync(join(dir, name), "utf8")), viewers: +viewers, path, round: +round };
  })
  .sort((a, b) => a.viewers - b.viewers || a.round - b.round || a.startedAt.localeCompare(b.startedAt));

const cores = (run, name) => run.summary.servers.find((server) => server.name === name)?.cpuCores;
const perFrame = (run, name) => {
  const used = cores(run, name);
  return used === undefined ? undefined : (used * 1e6) / run.summary.framesPerSecond;
};
const fixed = (value, digits = 1) => (value === undefined ? "–" : value.toFixed(digits));
const count = (value) => Math.round(value).toLocaleString("en-US");

console.log("| viewers | round | path | deliveries/s | of offered | frames/s | p50 ms | p99 ms | p99.9 ms | p99 added ms | "
  + "end-to-end p99 ms | lost | Proxy cores | Proxy µs/frame | Edge µs/frame | Proxy ÷ Edge per frame | load avg |");
console.log("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
for (const run of runs) {
  const s = run.summary;
  const straight = runs.find((other) => other.path === "direct" && other.viewers === run.viewers && other.round === run.round);
  const added = straight && run !== straight ? s.deliveryLatencyMs.p99 - straight.summary.deliveryLatencyMs.p99 : undefined;
  const proxy = perFrame(run, "proxy");
  const edge = perFrame(run, "edge");
  console.log(`| ${run.viewers} | ${run.round} | ${run.path} | ${count(s.deliveriesPerSecond)} | ${(s.deliveryRatio * 100).toFixed(1)} % `
    + `| ${count(s.framesPerSecond)} | ${fixed(s.deliveryLatencyMs.p50)} | ${fixed(s.deliveryLatencyMs.p99)} | ${fixed(s.deliveryLatencyMs.p999)} `
    + `| ${added === undefined ? "–" : (added >= 0 ? "+" : "") + added.toFixed(1)} | ${fixed(s.endToEndLatencyMs.p99)} | ${s.lost} `
    + `| ${fixed(cores(run, "proxy"), 2)} | ${fixed(proxy)} | ${fixed(edge)} | ${proxy && edge ? (proxy / edge).toFixed(2) + "×" : "–"} `
    + `| ${run.loadAverageBefore?.[0] ?? "?"} → ${run.loadAverageAfter?.[0] ?? "?"} |`);
}
