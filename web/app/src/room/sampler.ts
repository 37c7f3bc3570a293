/**
 * What waits for a free lane. Two fixed-size rings: priority items (gifts, the viewer's own messages) and
 * ordinary danmaku. An ordinary item that finds its ring full pushes out the oldest one, and one that waited
 * longer than `maxWaitMs` is dropped: a hot room is sampled, never queued without bound, and what flies is
 * always recent. Priority items wait longer but are still bounded.
 */
export interface SamplerCounts {
  offered: number;
  shown: number;
  sampledOut: number;
}

export class DanmakuSampler<T> {
  private readonly ordinary: Ring<T>;
  private readonly priority: Ring<T>;
  private readonly maxWaitMs: number;
  private readonly priorityMaxWaitMs: number;
  readonly counts: SamplerCounts = { offered: 0, shown: 0, sampledOut: 0 };

  constructor(ordinaryCapacity: number, priorityCapacity: number, maxWaitMs: number, priorityMaxWaitMs: number) {
    this.ordinary = new Ring<T>(ordinaryCapacity);
    this.priority = new Ring<T>(priorityCapacity);
    this.maxWaitMs = maxWaitMs;
    this.priorityMaxWaitMs = priorityMaxWaitMs;
  }

  get pending(): number {
    return this.ordinary.size + this.priority.size;
  }

  offer(item: T, now: number, isPriority: boolean): void {
    this.counts.offered++;
    const ring = isPriority ? this.priority : this.ordinary;
    if (ring.push(item, now)) this.counts.sampledOut++;
  }

  /**
   * Offers waiting items to `place`, priority first, oldest first, and stops at the first one that does not
   * fit (lanes are full; the rest waits for the next frame or ages out).
   */
  drain(now: number, place: (item: T) => boolean): void {
    this.drainRing(this.priority, now, this.priorityMaxWaitMs, place);
    this.drainRing(this.ordinary, now, this.maxWaitMs, place);
  }

  /** Forgets items for which `matches` is true (a deleted message must not fly later). */
  discard(matches: (item: T) => boolean): void {
    this.ordinary.removeWhere(matches);
    this.priority.removeWhere(matches);
  }

  clear(): void {
    this.ordinary.clear();
    this.priority.clear();
  }

  private drainRing(ring: Ring<T>, now: number, maxWaitMs: number, place: (item: T) => boolean): void {
    while (ring.size > 0) {
      if (now - ring.oldestTime() > maxWaitMs) {
        ring.shift();
        this.counts.sampledOut++;
        continue;
      }
      if (!place(ring.oldest())) return;
      ring.shift();
      this.counts.shown++;
    }
  }
}

class Ring<T> {
  private readonly items: (T | undefined)[];
  private readonly times: Float64Array;
  private head = 0;
  size = 0;

  constructor(capacity: number) {
    this.items = new Array<T | undefined>(Math.max(1, capacity));
    this.times = new Float64Array(this.items.length);
  }

  /** Adds at the tail; true when the oldest item was pushed out to make room. */
  push(item: T, time: number): boolean {
    const capacity = this.items.length;
    let evicted = false;
    if (this.size === capacity) {
      this.shift();
      evicted = true;
    }
    const index = (this.head + this.size) % capacity;
    this.items[index] = item;
    this.times[index] = time;
    this.size++;
    return evicted;
  }

  oldest(): T {
    return this.items[this.head] as T;
  }

  oldestTime(): number {
    return this.times[this.head]!;
  }

  shift(): void {
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
  }

  removeWhere(matches: (item: T) => boolean): void {
    const capacity = this.items.length;
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) % capacity;
      const item = this.items[from] as T;
      if (matches(item)) continue;
      const to = (this.head + kept) % capacity;
      this.items[to] = item;
      this.times[to] = this.times[from]!;
      kept++;
    }
    for (let i = kept; i < this.size; i++) this.items[(this.head + i) % capacity] = undefined;
    this.size = kept;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
  }
}
