// Places an audience on Edges the two ways the front door can (round-robin, and the Proxy's RoomAffinity
// policy: consistent hashing with bounded loads, ADR 0011) and counts what the fan-out then has to carry.
// No servers are started: this is the arithmetic behind docs/scale.md, from the placement outward.
// Usage: node perf/scale/model.mjs [--viewers 1000000] [--rooms 20000] [--edges 100] [--message-services 10]
//          [--zipf 1] [--msg-per-viewer 0.2] [--balance 1.25] [--vnodes 160] [--display-cap 500] [--seed 16]
import { createHash } from "node:crypto";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith("--") ? [...pairs, [a.slice(2), Number(all[i + 1])]] : pairs, []));
const viewers = args.viewers ?? 1_000_000, rooms = args.rooms ?? 20_000, edges = args.edges ?? 100;
const messageServices = args["message-services"] ?? 10, zipf = args.zipf ?? 1, perViewer = args["msg-per-viewer"] ?? 0.2;
const balance = args.balance ?? 1.25, vnodes = args.vnodes ?? 160, relayStreams = 2, windowsPerSecond = 50;
// Messages:MaxDisplayRatePerSecond: above it a room's ordinary danmaku are sampled out of the batches (not of history or Kafka).
const displayCap = args["display-cap"] ?? 500;
for (const [name, value] of Object.entries({ viewers, rooms, edges, messageServices, zipf, perViewer, balance, vnodes, displayCap }))
  if (!Number.isFinite(value) || value <= 0) { console.error(`--${name} must be a positive number`); process.exit(2); }

// Deterministic pseudo-random numbers (mulberry32), so two runs print the same tables.
let state = (args.seed ?? 16) >>> 0;
const random = () => { state = (state + 0x6d2b79f5) >>> 0; let t = state; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };

// Zipf audiences: room i (1-based) has a share proportional to 1 / i^s; its message rate follows its audience.
const weights = Array.from({ length: rooms }, (_, i) => 1 / Math.pow(i + 1, zipf));
const total = weights.reduce((a, w) => a + w, 0);
const audience = weights.map(w => Math.round(viewers * w / total));
const rate = audience.map(v => v * perViewer);
const arrivals = new Int32Array(audience.reduce((a, v) => a + v, 0));
for (let r = 0, k = 0; r < rooms; r++) for (let v = 0; v < audience[r]; v++) arrivals[k++] = r;
for (let i = arrivals.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [arrivals[i], arrivals[j]] = [arrivals[j], arrivals[i]]; }

// The ring: 64-bit points from a hash of "edge-<n>#<vnode>" (the Proxy uses XxHash64; any good hash has the same statistics).
const h64 = (text) => createHash("sha256").update(text).digest().readBigUInt64BE(0);
const ring = [];
for (let e = 0; e < edges; e++) for (let v = 0; v < vnodes; v++) ring.push([h64(`edge-${e}#${v}`), e]);
ring.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const roomStart = Array.from({ length: rooms }, (_, r) => {
  const x = h64(`room-${r + 1}`);
  let lo = 0, hi = ring.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (ring[mid][0] < x) lo = mid + 1; else hi = mid; }
  return lo % ring.length;
});

function place(pick) {
  const load = new Int32Array(edges), onEdge = Array.from({ length: rooms }, () => new Map());
  arrivals.forEach((room, n) => { const e = pick(room, n, load); load[e]++; onEdge[room].set(e, (onEdge[room].get(e) ?? 0) + 1); });
  return { load, onEdge };
}
const roundRobin = place((_, n) => n % edges);
const affinity = place((room, n, load) => {
  const bound = Math.ceil(balance * (n + 1) / edges), seen = new Uint8Array(edges);
  for (let s = 0, i = roomStart[room]; s < ring.length; s++, i = (i + 1) % ring.length) {
    const e = ring[i][1];
    if (seen[e]) continue;
    seen[e] = 1;
    if (load[e] + 1 <= bound) return e;
  }
  throw new Error("no Edge under the bound");
});

// Each Edge opens relayStreams streams; the Service in front of the MessageServices (LEAST_REQUEST) spreads all the
// streams evenly, with no say in which Edge's stream lands where. A room rides stream (room id mod streams).
const streamService = Int32Array.from({ length: edges * relayStreams }, (_, i) => i % messageServices);
for (let i = streamService.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [streamService[i], streamService[j]] = [streamService[j], streamService[i]]; }
const serviceOf = (edge, room) => streamService[edge * relayStreams + ((room + 1) % relayStreams)];
// Batches per second for a room: one per 20 ms window that received at least one message (Poisson arrivals).
const windows = (r) => windowsPerSecond * (1 - Math.exp(-r / windowsPerSecond));

function count({ load, onEdge }) {
  const accepted = rate.reduce((a, r) => a + r, 0);
  let relayBatches = 0, relayCopies = 0, pubsub = 0, subscriptions = 0, channels = 0, frames = 0;
  const roomsPerEdge = new Int32Array(edges), framesPerEdge = new Float64Array(edges);
  onEdge.forEach((byEdge, room) => {
    const services = new Set([...byEdge.keys()].map(e => serviceOf(e, room)));
    relayBatches += byEdge.size * windows(rate[room]);
    relayCopies += byEdge.size * Math.min(rate[room], displayCap);
    pubsub += services.size * rate[room];
    subscriptions += services.size;
    channels += byEdge.size > 0 ? 1 : 0;
    for (const [e, n] of byEdge) { roomsPerEdge[e]++; framesPerEdge[e] += n * windows(rate[room]); frames += n * windows(rate[room]); }
  });
  const max = (a) => a.reduce((m, x) => Math.max(m, x), 0), mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
  return {
    accepted, relayBatches, relayCopies, pubsub, subscriptions, channels, frames,
    socketsMax: max(load), socketsMean: mean(load), roomsPerEdgeMean: mean(roomsPerEdge), roomsPerEdgeMax: max(roomsPerEdge),
    framesPerEdgeMax: max(framesPerEdge), framesPerEdgeMean: mean(framesPerEdge),
    hotRoomEdges: onEdge[0].size, edgesPerRoomMean: onEdge.reduce((a, m) => a + m.size, 0) / rooms,
  };
}

const a = count(roundRobin), b = count(affinity);
const f = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const rows = [
  ["sockets per Edge: mean / max", `${f(a.socketsMean)} / ${f(a.socketsMax)}`, `${f(b.socketsMean)} / ${f(b.socketsMax)}`],
  ["Edges per room: mean / hot room", `${f(a.edgesPerRoomMean, 1)} / ${a.hotRoomEdges}`, `${f(b.edgesPerRoomMean, 2)} / ${b.hotRoomEdges}`],
  ["room subscriptions per Edge: mean / max", `${f(a.roomsPerEdgeMean)} / ${f(a.roomsPerEdgeMax)}`, `${f(b.roomsPerEdgeMean)} / ${f(b.roomsPerEdgeMax)}`],
  ["relay batches /s (MessageService → Edge)", f(a.relayBatches), f(b.relayBatches)],
  ["relay batches per accepted message (fan-out factor)", f(a.relayBatches / a.accepted, 2), f(b.relayBatches / b.accepted, 2)],
  ["messages carried by relay batches /s (each shown message once per Edge of its room)", f(a.relayCopies), f(b.relayCopies)],
  ["Redis subscriptions (MessageService, room)", f(a.subscriptions), f(b.subscriptions)],
  ["pub/sub deliveries /s", f(a.pubsub), f(b.pubsub)],
  ["pub/sub deliveries per accepted message", f(a.pubsub / a.accepted, 2), f(b.pubsub / b.accepted, 2)],
  ["frames written /s: all Edges / busiest Edge", `${f(a.frames)} / ${f(a.framesPerEdgeMax)}`, `${f(b.frames)} / ${f(b.framesPerEdgeMax)}`],
];
console.log(`${f(viewers)} viewers, ${f(rooms)} rooms (Zipf s=${zipf}; hot room ${f(audience[0])} viewers, ${f(rate[0])} msg/s), ` +
  `${edges} Edges × ${relayStreams} relay streams, ${messageServices} MessageServices, ${f(a.accepted)} msg/s accepted, ` +
  `balance factor ${balance}, ${vnodes} points per Edge\n`);
console.log("| | round-robin | room affinity |\n| --- | ---: | ---: |");
for (const [name, x, y] of rows) console.log(`| ${name} | ${x} | ${y} |`);
