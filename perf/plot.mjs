#!/usr/bin/env node
// Turns LoadGen result files into one self-contained page of SVG charts, a PNG of it when Chromium is
// installed (apt-get install chromium), and the same figures as Markdown tables for docs/benchmarks.md.
//   node perf/plot.mjs [results dir]      writes <dir>/benchmarks.html, benchmarks.png and summary.md
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chart, esc, fmt } from './svg-chart.mjs';

const dir = resolve(process.argv[2] ?? 'perf/results');
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(dir, f), 'utf8')) }))
  .filter((r) => r.summary && r.load);
if (runs.length === 0) {
  console.error(`no LoadGen results (*.json) in ${dir}`);
  process.exit(1);
}

const colors = { edge: '#1f77b4', raw: '#ff7f0e', signalr: '#d62728', offered: '#999999' };

// The raw reference (perf/RawFanout) speaks the room protocol, so LoadGen records it as an Edge; its labels say which.
const isRaw = (r) => /(^|-)raw-/.test(r.label);
const byTarget = (target, prefix) =>
  runs.filter((r) => r.target === target && r.label.startsWith(prefix)).sort((a, b) => a.load.viewers - b.load.viewers);
const point = (r, y) => ({ x: r.load.viewers, y, hollow: !r.summary.sustained, note: `${r.label}: ${r.summary.verdict}` });

const sweeps = { edge: byTarget('edge', 'sweep-edge-'), raw: byTarget('edge', 'sweep-raw-'), signalr: byTarget('signalr', 'sweep-') };
const charts = [];
if (sweeps.edge.length + sweeps.raw.length + sweeps.signalr.length > 0) {
  const rate = (sweeps.edge[0] ?? sweeps.raw[0] ?? sweeps.signalr[0]).load.ratePerSecond;
  charts.push(chart({
    title: `Deliveries/s, one room, ${fmt(rate)} msg/s (hollow: not sustained)`,
    xLabel: 'viewers', yLabel: 'messages delivered per second', logX: true, logY: true,
    series: [
      { name: 'Edge', color: colors.edge, points: sweeps.edge.map((r) => point(r, r.summary.deliveriesPerSecond)) },
      { name: 'raw Kestrel reference', color: colors.raw, points: sweeps.raw.map((r) => point(r, r.summary.deliveriesPerSecond)) },
      { name: 'SignalR baseline', color: colors.signalr, points: sweeps.signalr.map((r) => point(r, r.summary.deliveriesPerSecond)) },
      { name: 'offered', color: colors.offered, dashed: true, points: [...sweeps.edge, ...sweeps.raw, ...sweeps.signalr].map((r) => ({ x: r.load.viewers, y: r.load.viewers * r.load.ratePerSecond })) },
    ],
  }));
  charts.push(chart({
    title: 'P99 delivery latency (hollow: not sustained)',
    xLabel: 'viewers', yLabel: 'ms', logX: true, logY: true, reference: { y: 100, label: 'budget 100 ms' },
    series: [
      { name: 'Edge', color: colors.edge, points: sweeps.edge.map((r) => point(r, Math.max(r.summary.deliveryLatencyMs.p99, 0.1))) },
      { name: 'raw Kestrel reference', color: colors.raw, points: sweeps.raw.map((r) => point(r, Math.max(r.summary.deliveryLatencyMs.p99, 0.1))) },
      { name: 'SignalR baseline', color: colors.signalr, points: sweeps.signalr.map((r) => point(r, Math.max(r.summary.deliveryLatencyMs.p99, 0.1))) },
    ],
  }));
}

for (const viewers of [500, 2000]) {
  const pair = ['edge', 'signalr'].map((t) => runs.find((r) => r.label === `${t}-${viewers}x2000`)).filter(Boolean);
  if (pair.length === 0) continue;
  charts.push(chart({
    title: `${viewers} viewers × 2,000 msg/s: deliveries each second`,
    xLabel: 'second of the run (warm-up first)', yLabel: 'deliveries/s', logY: true,
    series: pair.map((r) => ({ name: r.target === 'edge' ? 'Edge' : 'SignalR baseline', color: colors[r.target],
      points: r.timeline.map((t) => ({ x: t.second, y: Math.max(t.deliveriesPerSecond, 1), hollow: !t.measuring })) })),
  }));
}

const measured = runs.filter((r) => !r.label.startsWith('compare-'));
const best = (target) => measured.filter((r) => r.target === target && !isRaw(r) && r.summary.sustained)
  .sort((a, b) => b.summary.deliveriesPerSecond - a.summary.deliveriesPerSecond)[0];
const bestEdge = best('edge'), bestSignalR = best('signalr');
const cores = (r) => [r.summary.client, ...r.summary.servers].map((p) => `${p.name} ${p.cpuCores.toFixed(2)}`).join(', ');
const rows = [...measured].sort((a, b) => a.label.localeCompare(b.label)).map((r) => {
  const s = r.summary, l = s.deliveryLatencyMs;
  return `<tr class="${s.sustained ? 'ok' : 'no'}"><td>${esc(r.label)}</td><td>${r.path}</td><td>${r.load.viewers}</td><td>${r.load.ratePerSecond}</td>
    <td>${Math.round(s.deliveriesPerSecond).toLocaleString('en')}</td><td>${(s.deliveryRatio * 100).toFixed(1)} %</td><td>${l.p50}</td><td>${l.p99}</td><td>${l.p999}</td>
    <td>${s.lost}</td><td>${esc(cores(r))}</td><td>${r.loadAverageBefore[0]}</td><td>${s.sustained ? 'yes' : esc(s.verdict)}</td></tr>`;
}).join('\n');
// Before/after runs of an Edge change (run-benchmarks.sh compare): the Edge's CPU per frame it wrote.
const edgeCpu = (r) => r.summary.servers.find((p) => p.name === 'edge')?.cpuCores ?? 0;
const compareRows = runs.filter((r) => r.label.startsWith('compare-')).sort((a, b) => a.label.localeCompare(b.label)).map((r) => {
  const s = r.summary;
  return `<tr><td>${esc(r.label)}</td><td>${r.load.viewers}</td><td>${Math.round(s.deliveriesPerSecond).toLocaleString('en')}</td><td>${Math.round(s.framesPerSecond).toLocaleString('en')}</td>
    <td>${edgeCpu(r).toFixed(2)}</td><td>${(edgeCpu(r) / s.framesPerSecond * 1e6).toFixed(1)}</td><td>${s.deliveryLatencyMs.p99}</td><td>${r.loadAverageBefore[0]}</td></tr>`;
}).join('\n');
const compareTable = compareRows ? `<h3>Edge before/after (run-benchmarks.sh compare)</h3><table><tr><th>run</th><th>viewers</th><th>deliveries/s</th><th>frames/s</th><th>Edge CPU (cores)</th><th>Edge CPU µs per frame</th><th>p99 ms</th><th>load</th></tr>
${compareRows}</table>` : '';
const machine = runs[0].machine;
const html = `<!doctype html><html><head><meta charset="utf-8"><title>Edge fan-out benchmarks</title><style>
body{font-family:sans-serif;margin:16px;max-width:1180px} .charts{display:flex;flex-wrap:wrap;gap:8px}
table{border-collapse:collapse;font-size:12px;margin-top:12px} td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,td:nth-child(2),td:nth-child(11),td:last-child{text-align:left} tr.no{color:#a00}</style></head><body>
<h2>Edge fan-out vs the SignalR baseline</h2>
<p>${esc(machine.cpuModel)}, ${machine.processors} cores, ${machine.memoryGiB} GiB, ${esc(machine.os)}, ${esc(machine.runtime)}; load generator and servers on the same machine.
Highest sustained (P99 ≤ 100 ms, nothing lost): Edge <b>${bestEdge ? Math.round(bestEdge.summary.deliveriesPerSecond).toLocaleString('en') + '/s' : 'none'}</b> (${esc(bestEdge?.label ?? '-')}),
SignalR <b>${bestSignalR ? Math.round(bestSignalR.summary.deliveriesPerSecond).toLocaleString('en') + '/s' : 'none'}</b> (${esc(bestSignalR?.label ?? '-')})${bestEdge && bestSignalR ? `: ${(bestEdge.summary.deliveriesPerSecond / bestSignalR.summary.deliveriesPerSecond).toFixed(1)}×` : ''}.</p>
<div class="charts">${charts.join('\n')}</div>
<table><tr><th>run</th><th>path</th><th>viewers</th><th>msg/s</th><th>deliveries/s</th><th>of offered</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>lost</th><th>CPU (cores)</th><th>load</th><th>sustained</th></tr>
${rows}</table>${compareTable}</body></html>`;
const htmlPath = join(dir, 'benchmarks.html');
writeFileSync(htmlPath, html);
console.log(`wrote ${htmlPath}`);

// The Markdown tables: every run except the before/after pairs, then those pairs.
const n = (x) => Math.round(x).toLocaleString('en');
const cpu = (r, name) => (name === 'loadgen' ? r.summary.client : r.summary.servers.find((p) => p.name === name))?.cpuCores?.toFixed(2) ?? '–';
const md = [
  '| run | viewers | msg/s sent | deliveries/s | of offered | frames/s | p50 ms | p99 ms | p99.9 ms | lost | CPU cores: loadgen / edge, raw or signalr / message-service / redis | load avg (1 min) | sustained |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
  ...[...measured].sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true })).map((r) => {
    const s = r.summary, l = s.deliveryLatencyMs;
    const server = isRaw(r) ? `${cpu(r, 'raw')} / –` : r.target === 'edge' ? `${cpu(r, 'edge')} / ${cpu(r, 'message-service')}` : `${cpu(r, 'signalr')} / –`;
    return `| ${r.label} | ${r.load.viewers} | ${n(s.sentPerSecond)} | ${n(s.deliveriesPerSecond)} | ${(s.deliveryRatio * 100).toFixed(1)} % | ${n(s.framesPerSecond)} | ${l.p50} | ${l.p99} | ${l.p999} | ${s.lost} | ${cpu(r, 'loadgen')} / ${server} / ${cpu(r, 'redis')} | ${r.loadAverageBefore[0]} → ${r.loadAverageAfter[0]} | ${s.sustained ? 'yes' : 'no: ' + s.verdict} |`;
  }),
];
const pairs = runs.filter((r) => r.label.startsWith('compare-')).sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
if (pairs.length > 0) {
  md.push('', '| run | deliveries/s | frames/s | Edge CPU cores | Edge CPU µs per frame | p99 ms | load avg (1 min) |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...pairs.map((r) => `| ${r.label} | ${n(r.summary.deliveriesPerSecond)} | ${n(r.summary.framesPerSecond)} | ${edgeCpu(r).toFixed(2)} | ${(edgeCpu(r) / r.summary.framesPerSecond * 1e6).toFixed(1)} | ${r.summary.deliveryLatencyMs.p99} | ${r.loadAverageBefore[0]} |`));
}
writeFileSync(join(dir, 'summary.md'), md.join('\n') + '\n');
console.log(`wrote ${join(dir, 'summary.md')}`);

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (chromium) {
  const png = join(dir, 'benchmarks.png');
  execFileSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${png}`, '--window-size=1200,1800', `file://${htmlPath}`],
    { stdio: 'ignore', timeout: 60_000 });
  console.log(`wrote ${png}`);
} else {
  console.log('no Chromium: PNG skipped (apt-get install chromium)');
}
