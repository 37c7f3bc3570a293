/**
 * Decides which horizontal lane a flying danmaku may enter so that it never touches the one before it.
 *
 * Every item crosses the stage (stage width + its own width) in the same time, so longer items fly faster
 * ("speed by length"). A lane keeps only its last item, which is all a check needs: motion is linear, so if
 * a newcomer neither starts on the last item's tail nor catches it before that item leaves the stage, it
 * never touches it, and the last item already keeps clear of everything before it.
 */
export class LaneAllocator {
  private stageWidth: number;
  private lanes: number;
  private readonly crossMs: number;
  private readonly gapPx: number;
  private enteredAt: Float64Array;
  private widths: Float64Array;

  constructor(stageWidth: number, laneCount: number, crossMs: number, gapPx: number) {
    this.stageWidth = Math.max(1, stageWidth);
    this.lanes = Math.max(0, Math.floor(laneCount));
    this.crossMs = crossMs;
    this.gapPx = gapPx;
    this.enteredAt = new Float64Array(this.lanes).fill(Number.NEGATIVE_INFINITY);
    this.widths = new Float64Array(this.lanes);
  }

  get laneCount(): number {
    return this.lanes;
  }

  get crossDurationMs(): number {
    return this.crossMs;
  }

  /** Pixels per millisecond of an item of this width. */
  speedOf(width: number): number {
    return (this.stageWidth + width) / this.crossMs;
  }

  /** Keeps what lanes still hold; lanes that no longer fit are forgotten, new ones start empty. */
  resize(stageWidth: number, laneCount: number): void {
    const count = Math.max(0, Math.floor(laneCount));
    this.stageWidth = Math.max(1, stageWidth);
    if (count === this.lanes) return;
    const enteredAt = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
    const widths = new Float64Array(count);
    const kept = Math.min(count, this.lanes);
    enteredAt.set(this.enteredAt.subarray(0, kept));
    widths.set(this.widths.subarray(0, kept));
    this.enteredAt = enteredAt;
    this.widths = widths;
    this.lanes = count;
  }

  /** The topmost lane an item of this width can enter at `now` (and claims it), or -1 when every lane is busy. */
  place(now: number, width: number): number {
    for (let lane = 0; lane < this.lanes; lane++) {
      if (this.fits(lane, now, width)) {
        this.enteredAt[lane] = now;
        this.widths[lane] = width;
        return lane;
      }
    }
    return -1;
  }

  /** Frees every lane (the overlay was cleared). */
  clear(): void {
    this.enteredAt.fill(Number.NEGATIVE_INFINITY);
  }

  private fits(lane: number, now: number, width: number): boolean {
    const previousStart = this.enteredAt[lane]!;
    const elapsed = now - previousStart;
    if (elapsed >= this.crossMs) return true;
    const previousWidth = this.widths[lane]!;
    // The previous item's tail (plus the gap) must have come out from behind the right edge ...
    if (elapsed * this.speedOf(previousWidth) < previousWidth + this.gapPx) return false;
    // ... and the newcomer's head must not reach the left edge before that tail has left the stage.
    const headReachesLeftAt = now + this.stageWidth / this.speedOf(width);
    return headReachesLeftAt >= previousStart + this.crossMs;
  }
}
