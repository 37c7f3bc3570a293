// Reads compare.sh's outputs (LOAD.BUILD.roundN.txt) and prints one markdown row per run, loads and rounds in order,
// with each build's CPU per accepted message as a ratio to the first build's in the same load and round.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const runs = readdirSync(dir)
  .map((file) => file.match(/^(.+)\.([^.]+)\.round(\d+)\.txt$/))
  .filter(Boolean)
  .map(([file, load, build, round]) => ({ load, build, round: Number(round), text: readFileSync(join(dir, file), 'utf8') }));

const number = (text) => Number(text.replace(/,/g, ''));
function parse(text) {
  const accepted = text.match(/^accepted\s+[\d,]+ \(([\d,]+)\/s\)/m);
  const server = text.match(/^ingest latency \(server\)\s+p50 ([\d.]+)\s+p99 ([\d.]+)/m);
  const client = text.match(/^send → in a batch\s+p50 ([\d.]+)\s+p99 ([\d.]+)/m);
  const cpu = text.match(/^cpu per accepted.*?client\) (\d+) µs, Redis (\d+) µs \(([\d.]+) \+ ([\d.]+) cores/m);
  const batches = text.match(/^redis batches\s+(.*)$/m);
  const load = text.match(/^load average\s+(.*?) \(/m);
  if (!accepted || !server || !cpu) return null;
  return {
    acceptedPerSecond: number(accepted[1]),
    serverP50: server[1], serverP99: server[2], clientP99: client ? client[2] : '–',
    processUs: Number(cpu[1]), redisUs: Number(cpu[2]), cores: `${cpu[3]} + ${cpu[4]}`,
    batches: batches ? batches[1] : '–', load: load ? load[1] : '–',
  };
}

const builds = [...new Set(runs.map((r) => r.build))];
const order = (process.env.INGEST_BUILDS ?? '').split(/\s+/).map((b) => b.split('=')[0]).filter((b) => builds.includes(b));
const buildOrder = order.length ? order : builds;
const loads = [...new Set(runs.map((r) => r.load))];
console.log('| load | round | build | accepted/s | server p50 / p99 ms | send → batch p99 ms | µs CPU per accepted: process / Redis | × first build | cores (process + Redis) | Redis batch sizes | load avg |');
console.log('| --- | ---: | --- | ---: | --- | ---: | --- | --- | --- | --- | --- |');
for (const load of loads) {
  for (const round of [...new Set(runs.filter((r) => r.load === load).map((r) => r.round))].sort((a, b) => a - b)) {
    const inRound = buildOrder.map((b) => runs.find((r) => r.load === load && r.round === round && r.build === b)).filter(Boolean);
    const first = inRound.length ? parse(inRound[0].text) : null;
    for (const run of inRound) {
      const p = parse(run.text);
      if (!p) {
        console.log(`| ${load} | ${round} | ${run.build} | failed | | | | | | | |`);
        continue;
      }
      const ratio = first ? `${(p.processUs / first.processUs).toFixed(2)} / ${(p.redisUs / first.redisUs).toFixed(2)}` : '–';
      console.log(`| ${load} | ${round} | ${run.build} | ${p.acceptedPerSecond.toLocaleString('en-US')} | ${p.serverP50} / ${p.serverP99} | ${p.clientP99} | ${p.processUs} / ${p.redisUs} | ${ratio} | ${p.cores} | ${p.batches} | ${p.load} |`);
    }
  }
}
