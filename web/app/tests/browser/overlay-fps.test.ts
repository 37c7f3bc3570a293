import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { APP_ROOT, browserTest, closeBrowser } from './harness.js';
import { serveFolder } from './static-server.js';

/**
 * The hot-room frame rate: 500 and 2,000 danmaku a second arrive as binary batch frames, are decoded by the
 * SDK and shown by the room page's overlay and chat column; the page must stay bounded and sampled. The frame
 * rate is a figure, not an assertion (speed goals live in benchmarks: `npm run bench:overlay`, docs/benchmarks.md,
 * on a quiet machine). The npm `danmaku` package runs the same load beside it for comparison. Figures are
 * printed as `overlay-fps {...}` lines.
 */
let server: Awaited<ReturnType<typeof serveFolder>>;
before(async () => {
  server = await serveFolder(join(APP_ROOT, '.bench-dist'));
});
after(async () => {
  await closeBrowser();
  await server.close();
});

interface BenchResult {
  engine: string;
  rate: number;
  fps: number;
  p95FrameMs: number;
  arrivedPerSecond: number;
  domNodes: number;
  onScreen: number;
  offered: number;
  shown?: number;
  sampledOut?: number;
  retainedComments?: number;
}

async function measure(open: Parameters<Parameters<typeof browserTest>[2]>[0], engine: string, rate: number): Promise<BenchResult> {
  const user = await open.user(`${engine}-${rate}`, { trace: false });
  const cdp = await user.context.newCDPSession(user.page);
  await cdp.send('Performance.enable');
  await user.page.goto(`?engine=${engine}&rate=${rate}&seconds=6`);
  await user.page.locator('#bench[data-done="true"]').waitFor({ timeout: 90_000 });
  const result = (await user.page.evaluate(() => (window as unknown as { __benchResult: unknown }).__benchResult)) as BenchResult;
  // Where the main thread's time went over the whole run (Chromium's own counters, in seconds).
  const { metrics } = await cdp.send('Performance.getMetrics');
  const pick = (name: string) => Number((metrics.find((m) => m.name === name)?.value ?? 0).toFixed(2));
  Object.assign(result, { taskS: pick('TaskDuration'), scriptS: pick('ScriptDuration'), layoutS: pick('LayoutDuration'), styleS: pick('RecalcStyleDuration') });
  console.log(`overlay-fps ${JSON.stringify(result)}`);
  return result;
}

/** The same page with nothing arriving: what this machine can draw right now. */
browserTest('baseline: the room page with no messages arriving', () => server.url, async (session) => {
  const result = await measure(session, 'app', 0);
  assert.ok(result.fps > 0, 'the page drew frames');
});

for (const rate of [500, 2000]) {
  browserTest(`with ${rate} messages a second arriving the overlay samples and the page stays bounded`, () => server.url, async (session) => {
    const result = await measure(session, 'app', rate);
    assert.ok(result.arrivedPerSecond > rate * 0.9, `the load arrived (${result.arrivedPerSecond.toFixed(0)}/s)`);
    assert.ok(result.onScreen <= 240, `items on screen are bounded (${result.onScreen})`);
    assert.ok(result.domNodes < 1500, `the page stays small (${result.domNodes} elements)`);
    assert.ok((result.sampledOut ?? 0) > 0 || rate < 1000, 'a hot room is sampled, not queued');
  });
}

browserTest('the npm danmaku package under the same 2,000 messages a second (for comparison)', () => server.url, async (session) => {
  // Figures only: the package stalls the page so badly that even the generator falls behind.
  const result = await measure(session, 'danmaku', 2000);
  assert.ok(result.offered > 0, 'messages reached the package');
});
