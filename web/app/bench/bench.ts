/**
 * The overlay frame-rate benchmark page (web/app/tests/browser/overlay-fps.test.ts drives it; figures in
 * docs/benchmarks.md). Messages arrive as the SDK receives them from a hot room: binary batch frames every
 * 20 ms, decoded by the SDK's codec, then handed to the room page's LiveRoom (overlay + chat column) — or,
 * with engine=danmaku, to the npm `danmaku` package in live mode beside the same chat column. The page
 * measures main-thread frames with requestAnimationFrame and long tasks with PerformanceObserver.
 *
 *   bench/?engine=app|danmaku&rate=2000&seconds=6
 */
import Danmaku from 'danmaku';
import { decodeBinaryFrame } from '@live/sdk';
import '../src/styles.css';
import { el } from '../src/dom';
import { ChatColumn } from '../src/room/chat';
import type { FeedMessage } from '../src/room/feed';
import { LiveRoom } from '../src/room/live-room';
import { TestPattern } from '../src/room/stage';

const params = new URLSearchParams(location.search);
const engine = params.get('engine') === 'danmaku' ? 'danmaku' : 'app';
const rate = Number(params.get('rate') ?? '2000');
const seconds = Number(params.get('seconds') ?? '6');
/** Parts left out, to see what each costs: `without=chat,overlay,pattern`. */
const without = new Set((params.get('without') ?? '').split(',').filter((part) => part !== ''));
const WARM_UP_MS = 1500;
const TICK_MS = 20;

const TEXTS = ['666', 'hello everyone', 'first time here, love this room', '哈哈哈哈哈', 'gg', 'what song is this?',
  'the bass line in this part is incredible, turn it up', 'lol', '🔥🔥🔥', 'greetings from the night shift', 'nice', 'again!'];
const COLOURS = ['#FFFFFF', '#FE0302', '#FFD302', '#00CD00', '#89D5FF'];

interface Sink {
  deliver(message: FeedMessage): void;
  counters(): Record<string, number>;
}

function appSink(host: HTMLElement): Sink {
  const live = new LiveRoom({ title: 'benchmark', selfId: 0, moderation: null, nameOf: (id) => `user ${id}` });
  host.append(el('div', { class: 'room-layout' }, el('section', { class: 'stage-column' }, live.stage), el('section', { class: 'chat-column' }, without.has('chat') ? null : live.chat.element)));
  if (without.has('overlay')) live.stage.querySelector<HTMLElement>('.danmaku-overlay')!.hidden = true;
  if (without.has('pattern')) live.stage.querySelector('canvas')!.remove();
  return {
    deliver: (message) => live.message(message),
    counters: () => ({ ...live.overlay.stats }),
  };
}

function danmakuSink(host: HTMLElement): Sink {
  const pattern = new TestPattern('benchmark');
  const overlay = el('div', { class: 'danmaku-overlay' });
  const stage = el('div', { class: 'stage' }, pattern.canvas, overlay);
  const chat = new ChatColumn({ label: 'Chat' });
  host.append(el('div', { class: 'room-layout' }, el('section', { class: 'stage-column' }, stage), el('section', { class: 'chat-column' }, chat.element)));
  const danmaku = new Danmaku({ container: overlay, engine: 'dom', speed: stage.clientWidth / 8 });
  let emitted = 0;
  return {
    deliver: (message) => {
      emitted++;
      danmaku.emit({ text: message.content, style: { font: '600 22px system-ui, sans-serif', color: message.color, textShadow: '0 0 2px #000' } });
      chat.add({ seq: message.seq, userId: message.userId, name: message.userName, text: message.content, colour: message.color, kind: 'danmaku' });
    },
    counters: () => ({
      offered: emitted,
      onScreen: overlay.querySelectorAll('div > div').length,
      // Live mode keeps every emitted comment in this array for the life of the page.
      retainedComments: (danmaku as unknown as { comments: unknown[] }).comments.length,
    }),
  };
}

const encoder = new TextEncoder();
let seq = 0;

/** One batch frame of docs/protocol.md holding `count` danmaku, as MessageService would send it. */
function batchFrame(count: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const first = seq + 1;
  for (let i = 0; i < count; i++) {
    seq++;
    const name = encoder.encode(`viewer${seq % 997}`);
    const content = encoder.encode(TEXTS[seq % TEXTS.length]!);
    const colour = encoder.encode(COLOURS[seq % COLOURS.length]!);
    const frame = new Uint8Array(43 + name.length + content.length + colour.length);
    writeHeader(frame, 0x01, 0, BigInt(seq % 997 + 1), BigInt(seq));
    let at = 37;
    for (const field of [name, content, colour]) {
      new DataView(frame.buffer).setUint16(at, field.length);
      frame.set(field, at + 2);
      at += 2 + field.length;
    }
    parts.push(frame);
  }
  const payloadLength = parts.reduce((sum, p) => sum + p.length, 0);
  const batch = new Uint8Array(57 + payloadLength);
  writeHeader(batch, 0x08, 0x02, 0n, BigInt(seq));
  const view = new DataView(batch.buffer);
  view.setBigInt64(37, BigInt(first));
  view.setUint16(45, count);
  view.setUint16(47, 0);
  view.setUint32(49, payloadLength);
  view.setUint32(53, payloadLength);
  let at = 57;
  for (const part of parts) {
    batch.set(part, at);
    at += part.length;
  }
  return batch;
}

function writeHeader(frame: Uint8Array, type: number, flags: number, userId: bigint, frameSeq: bigint): void {
  const view = new DataView(frame.buffer);
  view.setUint16(0, 0xabcd);
  frame[2] = 1;
  frame[3] = type;
  frame[4] = flags;
  view.setBigInt64(5, BigInt(Date.now()));
  view.setBigInt64(13, userId);
  view.setBigInt64(21, 1n);
  view.setBigInt64(29, frameSeq);
}

/**
 * Batches as a hot room's server sends them, encoded before the clock starts (encoding is the server's
 * work, not the page's): one per message count a 20 ms tick can owe, reused; decoding them is measured.
 */
const frames = new Map<number, Uint8Array>();
function frameOf(count: number): Uint8Array {
  let frame = frames.get(count);
  if (frame === undefined) {
    frame = batchFrame(count);
    frames.set(count, frame);
  }
  return frame;
}

async function run(): Promise<void> {
  const host = document.getElementById('bench')!;
  for (let count = 1; count <= Math.ceil((rate * TICK_MS * 3) / 1000) + 1; count++) frameOf(count);
  const sink = engine === 'danmaku' ? danmakuSink(host) : appSink(host);
  let longTasks = 0;
  let longTaskMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      longTasks++;
      longTaskMs += entry.duration;
    }
  });
  observer.observe({ type: 'longtask', buffered: false });

  let delivered = 0;
  let owed = 0;
  let last = performance.now();
  const generator = window.setInterval(() => {
    const now = performance.now();
    owed += ((now - last) * rate) / 1000;
    last = now;
    const count = Math.min(65535, Math.floor(owed));
    if (count === 0) return;
    owed -= count;
    const decoded = decodeBinaryFrame(frameOf(count));
    if (!decoded.ok || decoded.frame.type !== 'batch') throw new Error('the benchmark built a frame the SDK refused');
    for (const message of decoded.frame.messages) sink.deliver(message);
    delivered += count;
  }, TICK_MS);

  await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
  longTasks = 0;
  longTaskMs = 0;
  const deliveredAtStart = delivered;
  const frames: number[] = [];
  await new Promise<void>((resolve) => {
    const started = performance.now();
    const tick = (t: number) => {
      frames.push(t);
      if (t - started < seconds * 1000) requestAnimationFrame(tick);
      else resolve();
    };
    requestAnimationFrame(tick);
  });
  window.clearInterval(generator);
  observer.disconnect();
  const intervals = frames.slice(1).map((t, i) => t - frames[i]!).sort((a, b) => a - b);
  const span = frames[frames.length - 1]! - frames[0]!;
  const quantile = (q: number) => intervals[Math.min(intervals.length - 1, Math.floor(q * intervals.length))] ?? 0;
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  const result = {
    engine,
    rate,
    seconds,
    fps: ((frames.length - 1) * 1000) / span,
    p95FrameMs: quantile(0.95),
    p99FrameMs: quantile(0.99),
    maxFrameMs: intervals[intervals.length - 1] ?? 0,
    longTasks,
    longTaskMs: Math.round(longTaskMs),
    arrivedPerSecond: ((delivered - deliveredAtStart) * 1000) / span,
    domNodes: document.getElementsByTagName('*').length,
    heapMb: memory ? Math.round(memory.usedJSHeapSize / 1048576) : -1,
    ...sink.counters(),
  };
  (window as unknown as { __benchResult: unknown }).__benchResult = result;
  host.dataset.done = 'true';
}

void run();
