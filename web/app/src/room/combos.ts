/**
 * Gift combos as docs/protocol.md describes them: a gift frame's content is `<gift> ×<total>`, a streak is
 * one (sender, gift) while frames keep coming within the window, and the client shows one combo per streak,
 * updated in place with the largest total seen. A frame after the streak ended starts a new one.
 */
export interface GiftText {
  gift: string;
  total: number;
}

const GIFT_CONTENT = /^(.+) \u00D7(\d{1,9})$/u;

export function parseGiftContent(content: string): GiftText | null {
  const match = GIFT_CONTENT.exec(content);
  if (match === null) return null;
  return { gift: match[1]!, total: Number(match[2]) };
}

export interface ComboUpdate {
  /** Stable for the streak: the key to update a shown combo in place. */
  streakId: number;
  total: number;
  /** True for the first frame of a streak. */
  started: boolean;
  /** False when the frame carried a total lower than one already shown (frames may arrive out of order). */
  raised: boolean;
}

interface Streak {
  id: number;
  total: number;
  lastSeen: number;
}

export class ComboTracker {
  private readonly streaks = new Map<string, Streak>();
  private readonly windowMs: number;
  private readonly capacity: number;
  private nextId = 1;

  constructor(windowMs = 3000, capacity = 256) {
    this.windowMs = windowMs;
    this.capacity = capacity;
  }

  update(userId: bigint | number, gift: string, total: number, now: number): ComboUpdate {
    const key = `${userId}\u0000${gift}`;
    const streak = this.streaks.get(key);
    if (streak !== undefined && now - streak.lastSeen <= this.windowMs) {
      streak.lastSeen = now;
      // Map order is insertion order: re-inserting keeps the least recently seen streak first for eviction.
      this.streaks.delete(key);
      this.streaks.set(key, streak);
      if (total <= streak.total) return { streakId: streak.id, total: streak.total, started: false, raised: false };
      streak.total = total;
      return { streakId: streak.id, total, started: false, raised: true };
    }
    if (streak !== undefined) this.streaks.delete(key);
    this.evict(now);
    const started: Streak = { id: this.nextId++, total, lastSeen: now };
    this.streaks.set(key, started);
    return { streakId: started.id, total, started: true, raised: true };
  }

  private evict(now: number): void {
    for (const [key, streak] of this.streaks) {
      if (this.streaks.size < this.capacity && now - streak.lastSeen <= this.windowMs) return;
      this.streaks.delete(key);
    }
  }
}
