import { LaneAllocator } from './lanes';
import { DanmakuSampler } from './sampler';
import { safeColour } from './colour';

/** One item to fly across the stage. `text` is drawn as text, never parsed. */
export interface FlyingItem {
  /** Room seq; 0 for items that cannot be deleted (local notices). */
  seq: number;
  text: string;
  colour: string;
  gift: boolean;
  /** The viewer's own message or a gift: waits longer for a lane and is placed before ordinary chat. */
  priority: boolean;
}

export interface OverlayOptions {
  /** Time every item takes to cross the stage. */
  crossMs?: number;
  /** Items on screen at most; further items wait in the sampler or are dropped. */
  maxOnScreen?: number;
}

export interface OverlayStats {
  offered: number;
  shown: number;
  sampledOut: number;
  onScreen: number;
}

interface Pending {
  item: FlyingItem;
  width: number;
}

interface Flying {
  item: FlyingItem;
  sprite: HTMLCanvasElement;
  /** Its line in the list of texts flying now. */
  entry: HTMLLIElement;
  width: number;
  lane: number;
  startedAt: number;
}

const LANE_GAP_PX = 24;
const LINE_HEIGHT_RATIO = 1.45;
const TEXT_PADDING_PX = 8;

/**
 * The danmaku overlay: items fly right to left in lanes chosen by LaneAllocator, so none overlap, and the
 * speed follows the length. What does not fit waits briefly in the sampler (bounded) and is otherwise
 * dropped: the overlay shows at most what fits; the chat column has everything.
 *
 * It draws on one canvas: each item is rendered once into a small sprite (drawn as text: nothing from the
 * wire is ever parsed), and every frame clears the canvas and draws the sprites where they are now. One
 * layer and one draw per item per frame, no layout. A DOM node per item animated by the compositor was the
 * first version; on a busy two-core machine every new item was a layer to raster and every frame a
 * composite of dozens, and the page fell to half the frame rate this one keeps (docs/benchmarks.md).
 *
 * The texts on the canvas are also kept, as text, in a hidden list beside it (`.danmaku-texts`, one `li`
 * per item, added and removed as items enter and leave), so tools that read the page — the browser tests —
 * can see what flies.
 */
export class DanmakuOverlay {
  private readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D | null;
  private readonly list: HTMLOListElement;
  private readonly lanes: LaneAllocator;
  private readonly sampler: DanmakuSampler<Pending>;
  private readonly flying: Flying[] = [];
  private readonly spares: HTMLCanvasElement[] = [];
  private readonly maxOnScreen: number;
  private readonly resizeObserver: ResizeObserver;
  private width = 0;
  private scale = 1;
  private laneHeight = 32;
  private fontSize = 22;
  private frame = 0;
  private readonly placeNext = (pending: Pending) => this.place(pending);

  constructor(root: HTMLElement, options: OverlayOptions = {}) {
    this.root = root;
    this.maxOnScreen = options.maxOnScreen ?? 240;
    this.lanes = new LaneAllocator(1, 0, options.crossMs ?? 8000, LANE_GAP_PX);
    this.sampler = new DanmakuSampler<Pending>(64, 32, 1000, 4000);
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'danmaku-canvas';
    this.context = this.canvas.getContext('2d');
    this.list = document.createElement('ol');
    this.list.className = 'danmaku-texts';
    this.list.hidden = true;
    root.classList.add('danmaku-overlay');
    root.setAttribute('aria-hidden', 'true');
    root.append(this.canvas, this.list);
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(root);
    this.layout();
  }

  get stats(): OverlayStats {
    return { ...this.sampler.counts, onScreen: this.flying.length };
  }

  push(item: FlyingItem): void {
    this.sampler.offer({ item, width: -1 }, performance.now(), item.priority);
    this.schedule();
  }

  remove(seq: number): void {
    if (seq <= 0) return;
    this.sampler.discard((pending) => pending.item.seq === seq);
    for (let i = this.flying.length - 1; i >= 0; i--) {
      if (this.flying[i]!.item.seq === seq) this.release(i);
    }
    this.schedule();
  }

  clear(): void {
    this.sampler.clear();
    for (let i = this.flying.length - 1; i >= 0; i--) this.release(i);
    this.lanes.clear();
    this.schedule();
  }

  destroy(): void {
    this.clear();
    this.resizeObserver.disconnect();
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.root.replaceChildren();
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(this.onFrame);
  }

  private readonly onFrame = (now: number): void => {
    this.frame = 0;
    this.sampler.drain(now, this.placeNext);
    this.draw(now);
    if (this.flying.length > 0 || this.sampler.pending > 0) this.schedule();
  };

  private layout(): void {
    const rect = this.root.getBoundingClientRect();
    this.width = rect.width;
    this.scale = Math.min(2, window.devicePixelRatio || 1);
    this.canvas.width = Math.round(rect.width * this.scale);
    this.canvas.height = Math.round(rect.height * this.scale);
    this.fontSize = Math.round(Math.min(26, Math.max(15, rect.height / 14)));
    this.laneHeight = Math.ceil(this.fontSize * LINE_HEIGHT_RATIO);
    this.lanes.resize(rect.width, Math.floor(rect.height / this.laneHeight));
    this.schedule();
  }

  private font(): string {
    return `600 ${this.fontSize * this.scale}px system-ui, sans-serif`;
  }

  private place(pending: Pending): boolean {
    if (this.flying.length >= this.maxOnScreen || this.width <= 0 || this.context === null) return false;
    if (pending.width < 0) {
      this.context.font = this.font();
      pending.width = Math.ceil(this.context.measureText(pending.item.text).width / this.scale) + TEXT_PADDING_PX * 2;
    }
    const now = performance.now();
    const lane = this.lanes.place(now, pending.width);
    if (lane < 0) return false;
    const entry = document.createElement('li');
    entry.textContent = pending.item.text;
    entry.dataset.seq = String(pending.item.seq);
    this.list.append(entry);
    this.flying.push({ item: pending.item, sprite: this.sprite(pending.item, pending.width), entry, width: pending.width, lane, startedAt: now });
    return true;
  }

  /** The item drawn once: outlined text, or a gold pill for gifts. */
  private sprite(item: FlyingItem, width: number): HTMLCanvasElement {
    const sprite = this.spares.pop() ?? document.createElement('canvas');
    const s = this.scale;
    sprite.width = Math.ceil(width * s);
    sprite.height = Math.ceil(this.laneHeight * s);
    const g = sprite.getContext('2d');
    if (g === null) return sprite;
    g.clearRect(0, 0, sprite.width, sprite.height);
    g.font = this.font();
    g.textBaseline = 'middle';
    const y = sprite.height / 2;
    if (item.gift) {
      const r = sprite.height / 2 - 2 * s;
      g.fillStyle = '#ffc35a';
      g.beginPath();
      g.roundRect(0, 2 * s, sprite.width, sprite.height - 4 * s, r);
      g.fill();
      g.fillStyle = '#2a1600';
      g.fillText(item.text, TEXT_PADDING_PX * s, y);
      return sprite;
    }
    g.lineJoin = 'round';
    g.lineWidth = 3 * s;
    g.strokeStyle = '#000';
    g.strokeText(item.text, TEXT_PADDING_PX * s, y);
    g.fillStyle = safeColour(item.colour);
    g.fillText(item.text, TEXT_PADDING_PX * s, y);
    return sprite;
  }

  private draw(now: number): void {
    const g = this.context;
    if (g === null) return;
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const s = this.scale;
    for (let i = this.flying.length - 1; i >= 0; i--) {
      const f = this.flying[i]!;
      const x = this.width - this.lanes.speedOf(f.width) * (now - f.startedAt);
      if (x + f.width < 0) {
        this.release(i);
        continue;
      }
      g.drawImage(f.sprite, Math.round(x * s), Math.round(f.lane * this.laneHeight * s));
    }
  }

  private release(index: number): void {
    const [gone] = this.flying.splice(index, 1);
    if (gone === undefined) return;
    gone.entry.remove();
    if (this.spares.length < 64) this.spares.push(gone.sprite);
  }
}
