import { SaleState, type Sale } from '@live/sdk';
import { el, replaceChildren, setText, type Disposables } from '../dom';
import { describeError } from '../errors';
import { formatCoins, timestampOf } from '../format';
import type { AppContext } from '../app';

const DURATION_CHOICES = [5, 15, 30, 60, 180];
const SALES_REFRESH_MS = 5000;

/**
 * The anchor's flash-sale panel in the console: a product (name, price, optional image) and a sale of it in this
 * room (stock, per-viewer limit, duration), started at once; below, the room's sales with their stock.
 */
export function salesPanel(context: AppContext, roomId: bigint, view: Disposables): HTMLElement {
  const { commerce } = context.session.clients;
  const name = el('input', { attrs: { id: 'sale-product-name', required: true, maxlength: 100, autocomplete: 'off', placeholder: 'Desk lamp' } });
  const price = el('input', { attrs: { id: 'sale-price', type: 'number', required: true, min: 1, max: 100000000, step: 1, value: 30 } });
  const image = el('input', { attrs: { id: 'sale-image', type: 'url', maxlength: 512, placeholder: 'https://… (optional)' } });
  const stock = el('input', { attrs: { id: 'sale-stock', type: 'number', required: true, min: 1, max: 1000000, step: 1, value: 10 } });
  const limit = el('input', { attrs: { id: 'sale-limit', type: 'number', required: true, min: 1, step: 1, value: 1 } });
  const duration = el('select', { attrs: { id: 'sale-duration' } }, ...DURATION_CHOICES.map((minutes) => el('option', { attrs: { value: minutes } }, `${minutes} minutes`)));
  duration.value = '15';
  const status = el('p', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'sale-form-status' } });
  const submit = el('button', { class: 'button primary', attrs: { type: 'submit' } }, 'Start sale');
  const list = el('ul', { class: 'sale-list', attrs: { 'data-testid': 'room-sales' } });

  const field = (label: string, input: HTMLElement) => el('div', { class: 'field' }, el('label', { attrs: { for: input.id } }, label), input);
  const form = el(
    'form',
    { class: 'form sale-form' },
    field('Product', name),
    field('Price (coins)', price),
    field('Image URL', image),
    field('Stock', stock),
    field('Per viewer', limit),
    field('Duration', duration),
    submit,
    status,
  );

  const load = () => {
    commerce.listRoomSales({ roomId }, { signal: view.signal() }).then(
      (answer) => replaceChildren(list, ...(answer.sales.length === 0 ? [el('li', { class: 'empty' }, 'No sales in this room.')] : answer.sales.map(saleRow))),
      (error: unknown) => replaceChildren(list, el('li', { class: 'empty' }, describeError(error))),
    );
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    setText(status, 'Starting…');
    const endsAt = Date.now() + Number(duration.value) * 60_000;
    commerce
      .createProduct({ anchorUserId: 0n, name: name.value.trim(), price: BigInt(Math.trunc(Number(price.value))), imageUrl: image.value.trim() })
      .then(({ product }) =>
        commerce.scheduleSale({
          roomId,
          productId: product!.id,
          stock: Math.trunc(Number(stock.value)),
          perUserLimit: Math.trunc(Number(limit.value)),
          endsAt: timestampOf(endsAt),
        }),
      )
      .then(
        ({ sale }) => {
          setText(status, `Sale ${sale?.id ?? ''} is on: ${sale?.initialStock ?? 0} units.`);
          load();
        },
        (error: unknown) => setText(status, describeError(error)),
      )
      .finally(() => (submit.disabled = false));
  });

  load();
  view.interval(load, SALES_REFRESH_MS);
  return el('section', { class: 'panel', attrs: { 'aria-labelledby': 'sales-heading' } }, el('h2', { attrs: { id: 'sales-heading' } }, 'Flash sale'), form, list);
}

function saleRow(sale: Sale): HTMLElement {
  const state = SaleState[sale.state]?.toLowerCase().replace('_', ' ') ?? '?';
  return el(
    'li',
    { attrs: { 'data-sale-id': String(sale.id) } },
    el('span', { class: 'who' }, sale.product?.name ?? `Sale ${sale.id}`),
    el('span', { class: 'tag' }, state),
    el('span', { class: 'score' }, `${sale.remainingStock}/${sale.initialStock} left · ${formatCoins(sale.product?.price ?? 0n)}`),
  );
}
