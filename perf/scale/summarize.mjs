// The markdown table of perf/scale/simulate.sh: each routing's LoadGen report (<routing>.json), the counters
// taken before and after its run (<routing>.counters-before/-after) and its gauge samples (<routing>.gauges),
// side by side with the ratio of the last routing to the first.
// Usage: node perf/scale/summarize.mjs <results dir> <edges> <rooms> <routing>...
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, edgesText, roomsText, ...routings] = process.argv.slice(2);
const edges = Number(edgesText), rooms = Number(roomsText);
if (!dir || !(edges > 0) || !(rooms > 0) || routings.length < 1) {
  console.error("usage: node perf/scale/summarize.mjs <results dir> <edges> <rooms> <routing>...");
  process.exit(2);
}

const counters = (file) => Object.fromEntries(readFileSync(file, "utf8").trim().split("\n").map(line => {
  const [key, value] = line.split(" ");
  return [key, Number(value)];
}));

function measure(routing) {
  const report = JSON.parse(readFileSync(join(dir, `${routing}.json`), "utf8"));
  const before = counters(join(dir, `${routing}.counters-before`)), after = counters(join(dir, `${routing}.counters-after`));
  const delta = (key) => after[key] - before[key];
  // Columns: room subscriptions per Edge, sockets per Edge, Redis (MessageService, room) subscriptions; maxima over the run.
  const samples = readFileSync(join(dir, `${routing}.gauges`), "utf8").trim().split("\n").map(line => line.trim().split(/\s+/).map(Number));
  const peak = (column) => Math.max(0, ...samples.map(row => row[column] ?? 0));
  const roomsPerEdge = Array.from({ length: edges }, (_, e) => peak(e));
  const socketsPerEdge = Array.from({ length: edges }, (_, e) => peak(edges + e));
  const s = report.summary;
  const cpuSeconds = (prefix) => s.servers.filter(p => p.name.startsWith(prefix)).reduce((sum, p) => sum + p.cpuCores * s.measuredSeconds, 0);
  // Each process's CPU with no client (<routing>.idle), so the table can also give the CPU a delivery adds.
  const idle = Object.fromEntries(readFileSync(join(dir, `${routing}.idle`), "utf8").trim().split("\n").map(line => {
    const [name, cores] = line.split(" ");
    return [name, Number(cores)];
  }));
  const idleSeconds = (prefix) => Object.entries(idle).filter(([name]) => name.startsWith(prefix)).reduce((sum, [, cores]) => sum + cores * s.measuredSeconds, 0);
  const addedUs = (prefix) => 1e6 * (cpuSeconds(prefix) - idleSeconds(prefix)) / s.deliveries;
  const accepted = delta("accepted");
  return {
    live: `${s.viewersLive} / ${report.load.viewers}`,
    sent: s.sentPerSecond,
    deliveries: s.deliveriesPerSecond,
    deliveryRatio: s.deliveryRatio,
    socketsPerEdge,
    roomsPerEdge,
    fanOut: accepted > 0 ? delta("relay_batches") / accepted : NaN,
    edgeReceived: accepted > 0 ? delta("edge_batches_received") / accepted : NaN,
    publishes: accepted > 0 ? delta("publishes") / accepted : NaN,
    redisSubscriptions: peak(2 * edges),
    edgeCpuUs: 1e6 * cpuSeconds("edge-") / s.deliveries,
    messageCpuUs: 1e6 * cpuSeconds("message-service-") / s.deliveries,
    proxyCpuUs: 1e6 * cpuSeconds("proxy-") / s.deliveries,
    edgeAddedUs: addedUs("edge-"),
    messageAddedUs: addedUs("message-service-"),
    proxyAddedUs: addedUs("proxy-"),
    edgeIdleCores: idleSeconds("edge-") / s.measuredSeconds,
    p50: s.deliveryLatencyMs.p50,
    p99: s.deliveryLatencyMs.p99,
    load: report.loadAverageAfter[0],
    verdict: s.sustained ? "sustained" : `not sustained: ${s.verdict}`,
    when: report.startedAt,
  };
}

const runs = routings.map(measure);
const mean = (values) => values.reduce((a, v) => a + v, 0) / values.length;
const number = (value, digits = 2) => Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–";
const ratio = (pick) => {
  const first = pick(runs[0]), last = pick(runs[runs.length - 1]);
  return runs.length > 1 && Number.isFinite(first) && Number.isFinite(last) && first !== 0 ? `${number(last / first)}×` : "";
};
const rows = [
  ["viewers live", r => r.live, null],
  ["messages sent /s", r => number(r.sent, 0), r => r.sent],
  ["deliveries /s (of offered)", r => `${number(r.deliveries, 0)} (${number(100 * r.deliveryRatio, 1)} %)`, r => r.deliveries],
  ["sockets per Edge: min / max", r => `${Math.min(...r.socketsPerEdge)} / ${Math.max(...r.socketsPerEdge)}`, r => Math.max(...r.socketsPerEdge)],
  ["**relay batches per accepted message** (fan-out factor, MessageService `live.message.relay.batches`)", r => number(r.fanOut), r => r.fanOut],
  ["relay batches received per accepted message (Edges, cross-check)", r => number(r.edgeReceived), r => r.edgeReceived],
  ["Redis PUBLISH per accepted message (`cmdstat_publish`)", r => number(r.publishes), r => r.publishes],
  ["Redis (MessageService, room) subscriptions = pub/sub deliveries per message (even rates)", r => `${r.redisSubscriptions} = ${number(r.redisSubscriptions / rooms)}`, r => r.redisSubscriptions],
  [`room subscriptions per Edge: mean / max (of ${rooms} rooms)`, r => `${number(mean(r.roomsPerEdge), 1)} / ${Math.max(...r.roomsPerEdge)}`, r => mean(r.roomsPerEdge)],
  ["**CPU per delivery, Edges** (µs)", r => number(r.edgeCpuUs), r => r.edgeCpuUs],
  ["CPU per delivery, MessageServices (µs)", r => number(r.messageCpuUs), r => r.messageCpuUs],
  ["CPU per delivery, Proxies (µs)", r => number(r.proxyCpuUs), r => r.proxyCpuUs],
  ["Edges' CPU with no client (cores, all Edges)", r => number(r.edgeIdleCores, 3), r => r.edgeIdleCores],
  ["**CPU a delivery adds, Edges** (µs, above that idle)", r => number(r.edgeAddedUs), r => r.edgeAddedUs],
  ["CPU a delivery adds, MessageServices (µs)", r => number(r.messageAddedUs), r => r.messageAddedUs],
  ["CPU a delivery adds, Proxies (µs)", r => number(r.proxyAddedUs), r => r.proxyAddedUs],
  ["delivery latency P50 / P99 (ms)", r => `${r.p50} / ${r.p99}`, r => r.p99],
  ["load average (1 min) at the end", r => number(r.load), null],
  ["verdict", r => r.verdict, null],
];

console.log(`| | ${routings.join(" | ")} |${runs.length > 1 ? ` ${routings[routings.length - 1]} / ${routings[0]} |` : ""}`);
console.log(`| --- |${routings.map(() => " ---: |").join("")}${runs.length > 1 ? " ---: |" : ""}`);
for (const [name, show, value] of rows)
  console.log(`| ${name} | ${runs.map(show).join(" | ")} |${runs.length > 1 ? ` ${value ? ratio(value) : ""} |` : ""}`);
console.log();
console.log(`Runs started ${runs.map(r => r.when).join(", ")}; room subscriptions per Edge: ${runs.map((r, i) => `${routings[i]} ${r.roomsPerEdge.join(" / ")}`).join("; ")}.`);
