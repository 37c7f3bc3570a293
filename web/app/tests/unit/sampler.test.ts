import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DanmakuSampler } from '../../src/room/sampler.js';

test('a full ring pushes out its oldest ordinary item and counts it as sampled out', () => {
  const sampler = new DanmakuSampler<number>(3, 2, 1000, 5000);
  for (let i = 1; i <= 5; i++) sampler.offer(i, 0, false);
  assert.equal(sampler.pending, 3);
  const shown: number[] = [];
  sampler.drain(0, (n) => (shown.push(n), true));
  assert.deepEqual(shown, [3, 4, 5]);
  assert.deepEqual(sampler.counts, { offered: 5, shown: 3, sampledOut: 2 });
});

test('priority items are placed before ordinary ones', () => {
  const sampler = new DanmakuSampler<string>(4, 4, 1000, 5000);
  sampler.offer('chat', 0, false);
  sampler.offer('gift', 1, true);
  const shown: string[] = [];
  sampler.drain(2, (s) => (shown.push(s), true));
  assert.deepEqual(shown, ['gift', 'chat']);
});

test('draining stops at the first item that does not fit and keeps it for the next frame', () => {
  const sampler = new DanmakuSampler<number>(4, 4, 1000, 5000);
  sampler.offer(1, 0, false);
  sampler.offer(2, 0, false);
  let free = 1;
  const shown: number[] = [];
  sampler.drain(10, (n) => (free-- > 0 ? (shown.push(n), true) : false));
  assert.deepEqual(shown, [1]);
  assert.equal(sampler.pending, 1);
  sampler.drain(20, (n) => (shown.push(n), true));
  assert.deepEqual(shown, [1, 2]);
});

test('an item that waited longer than its limit is dropped, never shown late', () => {
  const sampler = new DanmakuSampler<number>(4, 4, 1000, 3000);
  sampler.offer(1, 0, false);
  sampler.offer(2, 0, true);
  const shown: number[] = [];
  sampler.drain(1500, (n) => (shown.push(n), true));
  assert.deepEqual(shown, [2], 'the gift waits up to 3 s; the ordinary message only 1 s');
  assert.equal(sampler.counts.sampledOut, 1);
});

test('memory stays bounded under 2,000 offers per frame', () => {
  const sampler = new DanmakuSampler<number>(32, 8, 1000, 3000);
  for (let frame = 0; frame < 60; frame++) {
    for (let i = 0; i < 2000; i++) sampler.offer(i, frame * 16, i % 500 === 0);
    sampler.drain(frame * 16, () => false);
    assert.ok(sampler.pending <= 40);
  }
});

test('discard removes a deleted message that is still waiting', () => {
  const sampler = new DanmakuSampler<number>(4, 4, 1000, 3000);
  sampler.offer(1, 0, false);
  sampler.offer(2, 0, false);
  sampler.offer(3, 0, false);
  sampler.discard((n) => n === 2);
  const shown: number[] = [];
  sampler.drain(1, (n) => (shown.push(n), true));
  assert.deepEqual(shown, [1, 3]);
});
