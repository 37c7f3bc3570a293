import { LaneAllocator } from './lanes';
import { DanmakuSampler } from './sampler';
import { safeColour } from './colour';

/** One item to fly across the stage. `text` is shown as text, never parsed. */
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
  /** Nodes on screen at most (the pool size); further items wait in the sampler or are dropped. */
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
  node: HTMLElement;
  animation: Animation;
  seq: number;
}

const LANE_GAP_PX = 24;
const LINE_HEIGHT_RATIO = 1.45;
const TEXT_PADDING_PX = 8;

/**
 * The danmaku overlay: items fly right to left in lanes chosen by LaneAllocator, so none overlap; the speed
 * follows the length. Motion is a linear Web Animation of `transform`, which the compositor runs without
 * the main thread, so a busy page does not stutter the text. What does not fit waits briefly in the sampler
 * (bounded) and is otherwise dropped: the overlay shows at most what fits; the chat column has everything.
 */
export class DanmakuOverlay {
  private readonly root: HTMLElement;
  private readonly lanes: LaneAllocator;
  private readonly sampler: DanmakuSampler<Pending>;
  private readonly pool: HTMLElement[] = [];
  private readonly flying = new Set<Flying>();
  private readonly maxOnScreen: number;
  private readonly measure: CanvasRenderingContext2D | null;
  private readonly resizeObserver: ResizeObserver;
  private width = 0;
  private laneHeight = 32;
  private font = '';
  private frame = 0;
  private readonly placeNext = (pending: Pending) => this.place(pending);

  constructor(root: HTMLElement, options: OverlayOptions = {}) {
    this.root = root;
    this.maxOnScreen = options.maxOnScreen ?? 240;
    this.lanes = new LaneAllocator(1, 0, options.crossMs ?? 8000, LANE_GAP_PX);
    this.sampler = new DanmakuSampler<Pending>(64, 32, 1000, 4000);
    this.measure = document.createElement('canvas').getContext('2d');
    root.classList.add('danmaku-overlay');
    root.setAttribute('aria-hidden', 'true');
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(root);
    this.layout();
  }

  get stats(): OverlayStats {
    return { ...this.sampler.counts, onScreen: this.flying.size };
  }

  push(item: FlyingItem): void {
    this.sampler.offer({ item, width: -1 }, performance.now(), item.priority);
    this.schedule();
  }

  /** Hides a deleted message wherever it is: flying or still waiting. */
  remove(seq: number): void {
    if (seq <= 0) return;
    this.sampler.discard((pending) => pending.item.seq === seq);
    for (const flying of this.flying) {
      if (flying.seq === seq) flying.animation.cancel();
    }
  }

  clear(): void {
    this.sampler.clear();
    for (const flying of [...this.flying]) flying.animation.cancel();
    this.lanes.clear();
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

  private readonly onFrame = (): void => {
    this.frame = 0;
    this.sampler.drain(performance.now(), this.placeNext);
    if (this.sampler.pending > 0) this.schedule();
  };

  private layout(): void {
    const rect = this.root.getBoundingClientRect();
    this.width = rect.width;
    const fontSize = Math.round(Math.min(26, Math.max(15, rect.height / 14)));
    this.laneHeight = Math.ceil(fontSize * LINE_HEIGHT_RATIO);
    this.font = `600 ${fontSize}px system-ui, sans-serif`;
    this.root.style.setProperty('--danmaku-font-size', `${fontSize}px`);
    this.root.style.setProperty('--danmaku-line-height', `${this.laneHeight}px`);
    this.lanes.resize(rect.width, Math.floor(rect.height / this.laneHeight));
  }

  private textWidth(text: string): number {
    if (this.measure === null) return text.length * this.laneHeight * 0.6 + TEXT_PADDING_PX * 2;
    this.measure.font = this.font;
    return Math.ceil(this.measure.measureText(text).width) + TEXT_PADDING_PX * 2;
  }

  private place(pending: Pending): boolean {
    if (this.flying.size >= this.maxOnScreen || this.width <= 0) return false;
    if (pending.width < 0) pending.width = this.textWidth(pending.item.text);
    const lane = this.lanes.place(performance.now(), pending.width);
    if (lane < 0) return false;
    this.launch(pending, lane);
    return true;
  }

  private launch(pending: Pending, lane: number): void {
    const { item, width } = pending;
    const node = this.pool.pop() ?? document.createElement('div');
    node.className = item.gift ? 'danmaku-item danmaku-gift' : 'danmaku-item';
    node.textContent = item.text;
    node.style.color = item.gift ? '' : safeColour(item.colour);
    node.dataset.seq = String(item.seq);
    node.style.width = `${width}px`;
    const y = lane * this.laneHeight;
    this.root.appendChild(node);
    const animation = node.animate(
      [{ transform: `translate3d(${this.width}px, ${y}px, 0)` }, { transform: `translate3d(${-width}px, ${y}px, 0)` }],
      { duration: this.lanes.crossDurationMs, easing: 'linear' },
    );
    const flying: Flying = { node, animation, seq: item.seq };
    this.flying.add(flying);
    const release = () => {
      if (!this.flying.delete(flying)) return;
      node.remove();
      if (this.pool.length < this.maxOnScreen) this.pool.push(node);
      if (this.sampler.pending > 0) this.schedule();
    };
    animation.addEventListener('finish', release);
    animation.addEventListener('cancel', release);
  }
}
