import { Code, OrderStatus, SaleState, type Sale } from '@live/sdk';
import { describeError as describeRpcError } from '@live/sdk';
import { el, replaceChildren, setText, type Disposables } from '../dom';
import { describeError } from '../errors';
import { formatCoins, formatCount } from '../format';
import type { AppContext } from '../app';
import type { FeedMessage } from '../room/feed';

/** How often the shown sale's stock is read again (GetSale) while nothing else prompts it. */
const STOCK_REFRESH_MS = 5000;
/** Attempts of one press when the network or the service failed in between (same idempotency key each time). */
const PRESS_ATTEMPTS = 3;
const PASS_WAIT_MS = 5_000;
const PASS_POLL_MS = 100;
/** How often, and how many times, an order just made is read back until it is paid or expired. */
const ORDER_POLL_MS = 1000;
const ORDER_POLLS = 15;
/** Codes that mean "the call may not have been heard": a retry with the same key is safe and may succeed. */
const TRANSIENT = new Set<Code>([Code.Unavailable, Code.DeadlineExceeded, Code.Unknown, Code.Internal, Code.Aborted]);

/** What the viewer is told for each refusal of Purchase; the server's reason follows. */
const REFUSALS: Partial<Record<Code, { reason: string; title: string }>> = {
  [Code.ResourceExhausted]: { reason: 'sold_out', title: 'Sold out' },
  [Code.FailedPrecondition]: { reason: 'not_open', title: 'Not open' },
  [Code.AlreadyExists]: { reason: 'over_limit', title: 'Over the limit' },
  [Code.PermissionDenied]: { reason: 'join_room', title: 'Join the room to buy' },
  [Code.NotFound]: { reason: 'no_sale', title: 'No such sale' },
  [Code.Unauthenticated]: { reason: 'sign_in', title: 'Sign in to buy' },
};

/** The room pass the SDK's RoomConnection holds for signed-in viewers (undefined until the Edge sent one). */
export type RoomPassSource = () => string | undefined;

/**
 * The room's flash sale for viewers: product, price, image, remaining stock and a Buy button (signed in) or a
 * sign-in prompt (guests). The sale is found with ListRoomSales; its stock is read again with GetSale when the
 * room announces something about a sale and every few seconds while one is shown, one read at a time.
 */
export class SalePanel {
  readonly element: HTMLElement;
  private readonly context: AppContext;
  private readonly roomId: bigint;
  private readonly roomPass: RoomPassSource;
  private readonly body = el('div', { class: 'sale-body' });
  private readonly stock = el('strong', { attrs: { 'data-testid': 'sale-stock' } });
  private readonly status = el('p', { class: 'sale-status', attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'sale-status' } });
  private readonly buy = el('button', { class: 'button primary', attrs: { type: 'button' } }, 'Buy');
  private sale: Sale | null = null;
  private reading = false;
  private readAgain = false;
  private pressing = false;
  private disposed = false;

  constructor(context: AppContext, roomId: bigint, roomPass: RoomPassSource, view: Disposables) {
    this.context = context;
    this.roomId = roomId;
    this.roomPass = roomPass;
    this.element = el('section', { class: 'sale-panel', attrs: { 'aria-label': 'Flash sale', 'data-testid': 'sale-panel', hidden: true } }, this.body);
    this.buy.addEventListener('click', () => void this.press());
    view.add(() => (this.disposed = true));
    view.interval(() => {
      if (this.sale !== null) this.refresh();
    }, STOCK_REFRESH_MS);
    this.refresh();
  }

  /** A message of the room: a system line about a sale ("Sale 3 started…", "Sale 3: 2 left", "…sold out") reads the sale again. */
  onMessage(message: FeedMessage): void {
    if (message.kind === 'system' && message.content.startsWith('Sale ')) this.refresh();
  }

  /** One read in flight at most; a prompt that arrives meanwhile asks for exactly one more after it. */
  private refresh(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.read()
      .catch(() => undefined)
      .finally(() => {
        this.reading = false;
        if (this.readAgain && !this.disposed) {
          this.readAgain = false;
          this.refresh();
        }
      });
  }

  private async read(): Promise<void> {
    const { commerce } = this.context.session.clients;
    // The shown sale by id while it lasts; the room's list otherwise (a new sale, or the shown one ended).
    if (this.sale !== null) {
      const { sale } = await commerce.getSale({ saleId: this.sale.id });
      if (sale !== undefined && isShowable(sale)) {
        this.show(sale);
        return;
      }
    }
    const { sales } = await commerce.listRoomSales({ roomId: this.roomId });
    const next = sales.find(isShowable) ?? null;
    if (next === null) this.hide();
    else this.show(next);
  }

  private hide(): void {
    this.sale = null;
    this.element.hidden = true;
  }

  private show(sale: Sale): void {
    if (this.disposed) return;
    const fresh = this.sale === null || this.sale.id !== sale.id;
    this.sale = sale;
    this.element.hidden = false;
    this.element.dataset.saleId = String(sale.id);
    this.element.dataset.state = SaleState[sale.state] ?? '';
    setText(this.stock, formatCount(sale.remainingStock));
    this.buy.disabled = this.pressing || sale.state !== SaleState.OPEN;
    setText(this.buy, sale.state === SaleState.SOLD_OUT ? 'Sold out' : sale.state === SaleState.SCHEDULED ? 'Not started' : 'Buy');
    if (fresh) this.render(sale);
  }

  private render(sale: Sale): void {
    const product = sale.product;
    const image = product !== undefined && product.imageUrl.startsWith('https://')
      ? el('img', { class: 'sale-image', attrs: { src: product.imageUrl, alt: product.name, width: 72, height: 72, loading: 'lazy', referrerpolicy: 'no-referrer' } })
      : null;
    const action = this.context.user !== null
      ? this.buy
      : el('p', { class: 'hint', attrs: { 'data-testid': 'sale-sign-in' } }, this.context.link(`/signin?next=${encodeURIComponent(location.pathname)}`, 'Sign in'), ' to buy.');
    replaceChildren(
      this.body,
      image,
      el(
        'div',
        { class: 'sale-facts' },
        el('p', { class: 'sale-kicker' }, 'Flash sale'),
        el('h2', { class: 'sale-name', attrs: { 'data-testid': 'sale-product' } }, product?.name ?? `Sale ${sale.id}`),
        el('p', { class: 'sale-price', attrs: { 'data-testid': 'sale-price' } }, formatCoins(product?.price ?? 0n)),
        el('p', { class: 'sale-left' }, this.stock, ' left', sale.perUserLimit > 0 ? ` · at most ${sale.perUserLimit} per viewer` : ''),
      ),
      el('div', { class: 'sale-action' }, action, this.status),
    );
  }

  /** One press: one idempotency key, reused only by the automatic retries of this same press. */
  private async press(): Promise<void> {
    const sale = this.sale;
    if (sale === null || this.pressing) return;
    this.pressing = true;
    this.buy.disabled = true;
    const key = `buy-${crypto.randomUUID()}`;
    setText(this.status, 'Buying…');
    delete this.status.dataset.reason;
    try {
      await this.passArrived();
      for (let attempt = 1; ; attempt++) {
        const pass = this.roomPass();
        try {
          const answer = await this.context.session.clients.commerce.purchase({
            saleId: sale.id,
            quantity: 1,
            idempotencyKey: key,
            buyerUserId: 0n,
            ...(pass !== undefined ? { roomPass: pass } : {}),
          });
          this.status.dataset.reason = 'ordered';
          this.status.dataset.orderId = answer.orderId;
          setText(this.status, `Ordered: order ${answer.orderId}, 1 × ${sale.product?.name ?? 'item'}. Paying…`);
          setText(this.stock, formatCount(answer.remainingStock));
          void this.follow(answer.orderId);
          return;
        } catch (error) {
          if (TRANSIENT.has(describeRpcError(error).code) && attempt < PRESS_ATTEMPTS) {
            await delay(300 * attempt);
            continue;
          }
          this.refused(error);
          return;
        }
      }
    } finally {
      this.pressing = false;
      this.refresh();
    }
  }

  /**
   * The Edge sends the room pass right after the viewer is live in the room; a press in the first moments waits for
   * it (bounded) rather than being refused. Past the wait the call goes without one and the refusal says why.
   */
  private async passArrived(): Promise<void> {
    for (let waited = 0; this.roomPass() === undefined && waited < PASS_WAIT_MS && !this.disposed; waited += PASS_POLL_MS) {
      await delay(PASS_POLL_MS);
    }
  }

  private refused(error: unknown): void {
    const described = describeRpcError(error);
    // The Proxy's purchase limit is RESOURCE_EXHAUSTED too, but with a retry-after: not "sold out".
    const refusal = described.retryAfterMs !== undefined ? { reason: 'rate_limited', title: 'Too many tries' } : REFUSALS[described.code];
    this.status.dataset.reason = refusal?.reason ?? 'error';
    setText(this.status, refusal !== undefined ? `${refusal.title}: ${describeError(error)}` : `Not bought: ${describeError(error)}`);
  }

  /** Reads the order back until the writer has paid (or expired) it, a bounded number of times. */
  private async follow(orderId: string): Promise<void> {
    for (let i = 0; i < ORDER_POLLS && !this.disposed; i++) {
      await delay(ORDER_POLL_MS);
      if (this.status.dataset.orderId !== orderId) return;
      try {
        const { order } = await this.context.session.clients.commerce.getOrder({ orderId });
        if (order === undefined || order.status === OrderStatus.PENDING) continue;
        const paid = order.status === OrderStatus.PAID;
        this.status.dataset.reason = paid ? 'paid' : 'expired';
        setText(this.status, paid ? `Paid: order ${orderId}, ${formatCoins(order.total)}.` : `Order ${orderId} expired unpaid.`);
        return;
      } catch {
        // NOT_FOUND while the order is on its way from Kafka to the database: ask again.
      }
    }
    if (this.status.dataset.orderId === orderId && this.status.dataset.reason === 'ordered') {
      setText(this.status, `Ordered: order ${orderId}, waiting for payment (your shopping balance is short).`);
    }
  }
}

function isShowable(sale: Sale): boolean {
  return sale.state === SaleState.OPEN || sale.state === SaleState.SCHEDULED || sale.state === SaleState.SOLD_OUT;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}
