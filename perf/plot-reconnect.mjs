#!/usr/bin/env node
// The reconnect curve of scenario 5 (tests/Chaos.Tests EdgeRestartTests writes edge-restart-curve.json beside its
// assembly): the share of viewers live again against the seconds since the Edge was stopped, as one SVG.
//   node perf/plot-reconnect.mjs <edge-restart-curve.json> <out.svg>
import { readFileSync, writeFileSync } from 'node:fs';
import { chart } from './svg-chart.mjs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node perf/plot-reconnect.mjs <edge-restart-curve.json> <out.svg>');
  process.exit(2);
}

const run = JSON.parse(readFileSync(input, 'utf8'));
const at = (seconds) => [{ x: seconds, y: 0 }, { x: seconds, y: 1 }];
const svg = chart({
  title: `Edge restarted under ${run.viewers.toLocaleString('en')} viewers: share back`,
  xLabel: 'seconds after SIGTERM to the Edge',
  yLabel: 'share of viewers live again',
  reference: { y: 0.99, label: '99 %' },
  series: [
    { name: 'viewers back (resumed)', color: '#1f77b4', markers: false, points: run.curve.map((p) => ({ x: p.seconds, y: p.share })) },
    { name: `old Edge exited (${run.stoppedSeconds.toFixed(1)} s)`, color: '#d62728', dashed: true, markers: false, points: at(run.stoppedSeconds) },
    { name: `new Edge ready (${run.readySeconds.toFixed(1)} s)`, color: '#ff7f0e', dashed: true, markers: false, points: at(run.readySeconds) },
  ],
});
writeFileSync(output, svg);
console.log(`wrote ${output}`);
