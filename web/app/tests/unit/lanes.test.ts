import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LaneAllocator } from '../../src/room/lanes.js';

const width = 800;
const cross = 8000;

/** Left edge of an item at time t (it entered at the right edge at `start`). */
function leftAt(lanes: LaneAllocator, start: number, itemWidth: number, t: number): number {
  return width - lanes.speedOf(itemWidth) * (t - start);
}

test('the first item takes the top lane, a second one at the same moment the next lane', () => {
  const lanes = new LaneAllocator(width, 3, cross, 16);
  assert.equal(lanes.place(0, 100), 0);
  assert.equal(lanes.place(0, 100), 1);
  assert.equal(lanes.place(0, 100), 2);
  assert.equal(lanes.place(0, 100), -1, 'every lane is busy: the item is not placed');
});

test('a lane takes the next item once the previous tail has cleared the right edge by the gap', () => {
  const lanes = new LaneAllocator(width, 1, cross, 16);
  assert.equal(lanes.place(0, 100), 0);
  const clearAt = (100 + 16) / lanes.speedOf(100);
  assert.equal(lanes.place(clearAt - 1, 100), -1);
  assert.equal(lanes.place(clearAt + 1, 100), 0);
});

test('a long (fast) item waits until it cannot catch the short (slow) one ahead of it', () => {
  const lanes = new LaneAllocator(width, 1, cross, 16);
  lanes.place(0, 50);
  const short = 2000;
  assert.equal(lanes.place(short, 900), -1, 'it would catch the slow item before that one leaves');
  const late = cross - width / lanes.speedOf(900);
  assert.equal(lanes.place(late + 1, 900), 0);
});

test('items placed by the allocator never overlap in a lane (simulated 20 s of dense traffic)', () => {
  const lanes = new LaneAllocator(width, 4, cross, 16);
  const placed: { lane: number; start: number; w: number }[] = [];
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let t = 0; t < 20000; t += 5) {
    const w = 20 + Math.floor(random() * 900);
    const lane = lanes.place(t, w);
    if (lane >= 0) placed.push({ lane, start: t, w });
  }
  assert.ok(placed.length > 40, `enough items flew to mean something (${placed.length})`);
  for (let lane = 0; lane < 4; lane++) {
    const inLane = placed.filter((p) => p.lane === lane);
    for (let i = 1; i < inLane.length; i++) {
      const a = inLane[i - 1]!;
      const b = inLane[i]!;
      for (let t = b.start; t <= a.start + cross; t += 10) {
        const aRight = leftAt(lanes, a.start, a.w, t) + a.w;
        const bLeft = leftAt(lanes, b.start, b.w, t);
        assert.ok(bLeft >= aRight - 0.001, `lane ${lane}: item at ${b.start} touches item at ${a.start} at t=${t}`);
      }
    }
  }
});

test('longer items fly faster, and every item crosses in the same time', () => {
  const lanes = new LaneAllocator(width, 1, cross, 16);
  assert.ok(lanes.speedOf(400) > lanes.speedOf(40));
  assert.equal((width + 400) / lanes.speedOf(400), cross);
});

test('resize keeps the busy lanes that remain and adds free ones', () => {
  const lanes = new LaneAllocator(width, 1, cross, 16);
  lanes.place(0, 100);
  lanes.resize(width, 2);
  assert.equal(lanes.laneCount, 2);
  assert.equal(lanes.place(1, 100), 1, 'lane 0 is still busy, the new lane 1 is free');
  lanes.resize(width, 0);
  assert.equal(lanes.place(2, 100), -1, 'no lane fits a stage too small for one line');
});
