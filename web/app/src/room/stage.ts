/**
 * The stage: a generated moving test pattern stands in for the video (video is out of scope). Like video it
 * changes 30 times a second, at a small fixed resolution that CSS scales up, so it costs little main-thread
 * time; it stops drawing when the page is hidden.
 */
const BARS = ['#C0C0C0', '#C0C000', '#00C0C0', '#00C000', '#C000C0', '#C00000', '#0000C0'];
const WIDTH = 320;
const HEIGHT = 180;
const FRAME_MS = 1000 / 30;

export class TestPattern {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D | null;
  private readonly label: string;
  private frame = 0;
  private readonly startedAt = performance.now();
  private drawnAt = Number.NEGATIVE_INFINITY;

  constructor(label: string) {
    this.label = label;
    this.canvas = document.createElement('canvas');
    this.canvas.width = WIDTH;
    this.canvas.height = HEIGHT;
    this.canvas.className = 'test-pattern';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Test pattern standing in for the live video');
    this.context = this.canvas.getContext('2d', { alpha: false });
    this.frame = requestAnimationFrame(this.draw);
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private readonly draw = (now: number): void => {
    this.frame = requestAnimationFrame(this.draw);
    const g = this.context;
    // A few ms of slack: display frames do not fall exactly on the 30 Hz grid.
    if (g === null || document.hidden || now - this.drawnAt < FRAME_MS - 4) return;
    this.drawnAt = now;
    const t = (now - this.startedAt) / 1000;
    const barWidth = WIDTH / BARS.length;
    const barsHeight = HEIGHT * 0.66;
    for (let i = 0; i < BARS.length; i++) {
      g.fillStyle = BARS[i]!;
      g.fillRect(Math.floor(i * barWidth), 0, Math.ceil(barWidth), barsHeight);
    }
    const gradient = g.createLinearGradient(0, 0, WIDTH, 0);
    gradient.addColorStop(0, '#000');
    gradient.addColorStop(1, '#fff');
    g.fillStyle = gradient;
    g.fillRect(0, barsHeight, WIDTH, HEIGHT - barsHeight);
    // A sweeping bar and a bouncing dot make motion (and any stutter) visible.
    const sweep = ((t * 80) % (WIDTH + 40)) - 40;
    g.fillStyle = 'rgba(255,255,255,0.55)';
    g.fillRect(sweep, 0, 24, barsHeight);
    const dotX = WIDTH / 2 + Math.sin(t * 1.7) * (WIDTH / 2 - 20);
    const dotY = barsHeight / 2 + Math.cos(t * 2.3) * (barsHeight / 2 - 16);
    g.fillStyle = '#111';
    g.beginPath();
    g.arc(dotX, dotY, 10, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = 'rgba(0,0,0,0.6)';
    g.fillRect(8, HEIGHT - 26, WIDTH - 16, 20);
    g.fillStyle = '#fff';
    g.font = '12px ui-monospace, monospace';
    g.fillText(`${this.label}  ${new Date().toISOString().slice(11, 23)}`, 14, HEIGHT - 12);
  };
}
