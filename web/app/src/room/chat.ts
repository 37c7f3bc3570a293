import { el, pulse } from '../dom';
import { safeColour } from './colour';

export type ChatKind = 'danmaku' | 'gift' | 'system' | 'notice';

export interface ChatEntry {
  /** Room seq; 0 for local notices. */
  seq: number;
  userId: number;
  name: string;
  text: string;
  colour: string;
  kind: ChatKind;
  /** Gift combos: rows with the same id are one row, updated in place. */
  comboId?: number;
  /** A notice the reader must not miss (e.g. messages that could not be recovered). */
  alert?: boolean;
}

/** Moderation offered on each row of someone's message (anchor console, an admin in a room). */
export interface ChatModeration {
  deleteMessage(entry: ChatEntry): void;
  timeOut(entry: ChatEntry): void;
  ban(entry: ChatEntry): void;
}

/** Arrivals per second above which the column is "hot" and shows a sample (see ChatColumn). */
const HOT_RATE = 40;
const HOT_FLUSH_MS = 250;
const HOT_ROWS_PER_FLUSH = 12;

/**
 * The chat column: the same messages as the overlay, as a list people can read back. Arrivals are written
 * as one fragment per animation frame and the list keeps the newest `capacity` rows. In a hot room (more
 * than HOT_RATE a second, far more than anyone reads) it writes four times a second and only the newest
 * few rows each time: adding and scrolling rows is what costs a page its frames, and a sample is all a
 * person can read at that rate. Gifts, system lines and notices are always written.
 */
export class ChatColumn {
  readonly element: HTMLOListElement;
  private readonly capacity: number;
  private readonly moderation: ChatModeration | null;
  private pending: ChatEntry[] = [];
  private readonly rowsBySeq = new Map<number, HTMLLIElement>();
  private readonly rowsByCombo = new Map<number, HTMLLIElement>();
  /** The reader is at the bottom (kept from scroll events, so a flush never reads layout before writing). */
  private pinned = true;
  private frame = 0;
  private timer = 0;
  private lastFlushAt = 0;
  private arrivals = 0;
  private rate = 0;

  constructor(options: { capacity?: number; moderation?: ChatModeration | null; label: string }) {
    this.capacity = options.capacity ?? 200;
    this.moderation = options.moderation ?? null;
    this.element = el('ol', {
      class: 'chat-list',
      attrs: { role: 'log', 'aria-label': options.label, tabindex: 0 },
    });
    this.element.addEventListener(
      'scroll',
      () => {
        const list = this.element;
        this.pinned = list.scrollTop + list.clientHeight >= list.scrollHeight - 24;
      },
      { passive: true },
    );
  }

  add(entry: ChatEntry): void {
    if (entry.comboId !== undefined) {
      const row = this.rowsByCombo.get(entry.comboId);
      if (row !== undefined) {
        const text = row.querySelector('.chat-text');
        if (text !== null) text.textContent = entry.text;
        pulse(row);
        return;
      }
      const waiting = this.pending.find((p) => p.comboId === entry.comboId);
      if (waiting !== undefined) {
        waiting.text = entry.text;
        return;
      }
    }
    this.pending.push(entry);
    this.arrivals++;
    // Rows beyond the capacity would be trimmed at once; keep the buffer itself bounded too.
    if (this.pending.length > this.capacity * 2) this.pending.splice(0, this.pending.length - this.capacity);
    this.schedule();
  }

  /** True while arrivals run above HOT_RATE a second: the column then shows a sample. */
  get hot(): boolean {
    return this.rate > HOT_RATE;
  }

  private schedule(): void {
    if (this.frame !== 0 || this.timer !== 0) return;
    const wait = this.hot ? this.lastFlushAt + HOT_FLUSH_MS - performance.now() : 0;
    if (wait <= 0) {
      this.frame = requestAnimationFrame(this.flush);
      return;
    }
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.frame = requestAnimationFrame(this.flush);
    }, wait);
  }

  remove(seq: number): void {
    const row = this.rowsBySeq.get(seq);
    if (row !== undefined) {
      this.forget(row);
      row.remove();
    }
    this.pending = this.pending.filter((entry) => entry.seq !== seq);
  }

  /**
   * The room's seqs start again (a new epoch): rows shown so far keep their text but lose their seq, so a delete
   * of a new message never removes an old row with the same number, and no old row offers a delete that would
   * name a new message. Time-out and ban act on the user and stay.
   */
  forgetSeqs(): void {
    for (const row of this.rowsBySeq.values()) {
      row.dataset.seq = '0';
      row.querySelector('[data-action="delete"]')?.remove();
    }
    this.rowsBySeq.clear();
    for (const entry of this.pending) entry.seq = 0;
  }

  destroy(): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    window.clearTimeout(this.timer);
    this.frame = 0;
    this.timer = 0;
  }

  private readonly flush = (now: number): void => {
    this.frame = 0;
    const elapsed = Math.max(16, now - this.lastFlushAt);
    // Arrivals per second, smoothed over about a second: one burst does not flip the column into sampling,
    // and a room that went quiet is no longer hot at its next message.
    const keep = Math.exp(-elapsed / 1000);
    this.rate = this.rate * keep + ((this.arrivals * 1000) / elapsed) * (1 - keep);
    this.arrivals = 0;
    this.lastFlushAt = now;
    const list = this.element;
    const rows = this.hot ? this.sample(HOT_ROWS_PER_FLUSH) : this.pending;
    const start = Math.max(0, rows.length - this.capacity);
    const fragment = document.createDocumentFragment();
    for (let i = start; i < rows.length; i++) fragment.appendChild(this.row(rows[i]!));
    this.pending = [];
    list.appendChild(fragment);
    let excess = list.childElementCount - this.capacity;
    while (excess-- > 0 && list.firstElementChild !== null) {
      const oldest = list.firstElementChild as HTMLLIElement;
      this.forget(oldest);
      oldest.remove();
    }
    // All writes first, then one layout for the scroll height (the frame's own layout, done a little early).
    if (this.pinned) list.scrollTop = list.scrollHeight;
  };

  /** The newest `count` ordinary messages plus every gift, system line and notice, in arrival order. */
  private sample(count: number): ChatEntry[] {
    let ordinary = 0;
    const kept: ChatEntry[] = [];
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const entry = this.pending[i]!;
      if (entry.kind !== 'danmaku') kept.push(entry);
      else if (ordinary < count) {
        kept.push(entry);
        ordinary++;
      }
    }
    return kept.reverse();
  }

  private forget(row: HTMLLIElement): void {
    const seq = Number(row.dataset.seq);
    if (seq > 0 && this.rowsBySeq.get(seq) === row) this.rowsBySeq.delete(seq);
    const combo = row.dataset.combo;
    if (combo !== undefined) this.rowsByCombo.delete(Number(combo));
  }

  private row(entry: ChatEntry): HTMLLIElement {
    const text = el('span', { class: 'chat-text' }, entry.text);
    if (entry.kind === 'danmaku') text.style.color = safeColour(entry.colour);
    const row = el(
      'li',
      { class: `chat-row chat-${entry.kind}`, attrs: { 'data-seq': entry.seq, role: entry.alert ? 'alert' : undefined } },
      entry.name === '' ? null : el('span', { class: 'chat-name' }, entry.name),
      text,
    );
    if (entry.seq > 0) this.rowsBySeq.set(entry.seq, row);
    if (entry.comboId !== undefined) {
      row.dataset.combo = String(entry.comboId);
      this.rowsByCombo.set(entry.comboId, row);
    }
    if (this.moderation !== null && entry.kind === 'danmaku' && entry.userId > 0 && entry.seq > 0) {
      row.append(this.actions(entry, this.moderation));
    }
    return row;
  }

  private actions(entry: ChatEntry, moderation: ChatModeration): HTMLElement {
    const who = entry.name === '' ? `user ${entry.userId}` : entry.name;
    return el(
      'span',
      { class: 'chat-actions' },
      el('button', {
        class: 'chip',
        attrs: { type: 'button', 'aria-label': `Delete message ${entry.seq} from ${who}`, 'data-action': 'delete' },
        on: { click: () => moderation.deleteMessage(entry) },
      }, 'Delete'),
      el('button', {
        class: 'chip',
        attrs: { type: 'button', 'aria-label': `Time out ${who} for 10 minutes`, 'data-action': 'timeout' },
        on: { click: () => moderation.timeOut(entry) },
      }, 'Time out'),
      el('button', {
        class: 'chip danger',
        attrs: { type: 'button', 'aria-label': `Ban ${who}`, 'data-action': 'ban' },
        on: { click: () => moderation.ban(entry) },
      }, 'Ban'),
    );
  }
}
