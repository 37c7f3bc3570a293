import { BanKind, type Ban } from '@live/sdk';
import { el, replaceChildren, setText, type Disposables } from '../dom';
import { describeError } from '../errors';
import { formatCount, formatHeat, formatRate, timestampMs } from '../format';
import type { AppContext } from '../app';
import { historyChart, statsPanel } from './stats';

const HOT_REFRESH_MS = 5000;

/** The operator dashboard (admins): hot rooms, one room's live stats and history, bans, and wallet credits. */
export function renderDashboard(context: AppContext, outlet: HTMLElement, match: RegExpMatchArray, view: Disposables): void {
  context.setTitle('Operator dashboard');
  const selected = match[1] !== undefined ? BigInt(match[1]) : null;
  const roomArea = el('div', { class: 'dashboard-room' });
  outlet.append(
    el(
      'div',
      { class: 'dashboard' },
      el('h1', null, 'Operator dashboard'),
      hotRoomsPanel(context, selected, view),
      roomArea,
      bansPanel(context, view),
      creditPanel(context),
    ),
  );
  if (selected === null) {
    roomArea.append(el('section', { class: 'panel' }, el('h2', null, 'Room detail'), el('p', null, 'Pick a hot room to watch its live stats and history.')));
    return;
  }
  roomArea.append(
    el('h2', null, `Room ${selected} `, context.link(`/rooms/${selected}`, 'open', 'button small ghost')),
    el('div', { class: 'dashboard-grid' }, statsPanel(context, selected, view), historyChart(context, selected, view)),
  );
}

function hotRoomsPanel(context: AppContext, selected: bigint | null, view: Disposables): HTMLElement {
  const body = el('tbody');
  const status = el('p', { class: 'status-line', attrs: { role: 'status' } });
  const load = () => {
    context.session.clients.stats.getHotRooms({ category: '', limit: 20 }, { signal: view.signal() }).then(
      async (answer) => {
        await context.names.resolve(answer.rooms.map((room) => room.anchorUserId));
        replaceChildren(
          body,
          ...(answer.rooms.length === 0
            ? [el('tr', null, el('td', { attrs: { colspan: 6 } }, 'No live room has heat yet.'))]
            : answer.rooms.map((room) => {
                const row = el(
                  'tr',
                  null,
                  el('td', null, context.link(`/admin/rooms/${room.roomId}`, room.title)),
                  el('td', null, context.names.label(room.anchorUserId)),
                  el('td', null, room.category),
                  el('td', { class: 'num' }, formatHeat(room.heat)),
                  el('td', { class: 'num' }, formatCount(room.viewers)),
                  el('td', { class: 'num' }, formatRate(room.messagesPerSecond)),
                );
                if (room.roomId === selected) row.setAttribute('aria-current', 'true');
                return row;
              })),
        );
        setText(status, `Updated ${new Date().toLocaleTimeString()}`);
      },
      (error: unknown) => setText(status, describeError(error)),
    );
  };
  load();
  view.interval(load, HOT_REFRESH_MS);
  return el(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'hot-heading' } },
    el('h2', { attrs: { id: 'hot-heading' } }, 'Hot rooms'),
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { attrs: { 'data-testid': 'hot-rooms-table' } },
        el('thead', null, el('tr', null, ...['Room', 'Anchor', 'Category', 'Heat', 'Viewers', 'Msg/s'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))),
        body,
      ),
    ),
    status,
  );
}

function bansPanel(context: AppContext, view: Disposables): HTMLElement {
  const { users } = context.session.clients;
  const body = el('tbody');
  const status = el('p', { class: 'form-status', attrs: { role: 'status' } });
  const describe = (ban: Ban) => (ban.kind === BanKind.IP ? 'address' : ban.kind === BanKind.SHADOW ? 'shadow' : 'user');
  const load = () => {
    users.listBans({ kind: BanKind.UNSPECIFIED, page: { pageSize: 50, pageToken: '' } }, { signal: view.signal() }).then(
      (answer) =>
        replaceChildren(
          body,
          ...(answer.bans.length === 0
            ? [el('tr', null, el('td', { attrs: { colspan: 5 } }, 'No active bans.'))]
            : answer.bans.map((ban) =>
                el(
                  'tr',
                  null,
                  el('td', null, describe(ban)),
                  el('td', null, ban.subject),
                  el('td', null, ban.reason),
                  el('td', null, ban.expiresAt ? new Date(timestampMs(ban.expiresAt)).toLocaleString() : 'never'),
                  el(
                    'td',
                    null,
                    el(
                      'button',
                      {
                        class: 'chip',
                        attrs: { type: 'button', 'aria-label': `Lift the ${describe(ban)} ban on ${ban.subject}` },
                        on: { click: () => lift(ban) },
                      },
                      'Lift',
                    ),
                  ),
                ),
              )),
        ),
      (error: unknown) => setText(status, describeError(error)),
    );
  };
  const lift = (ban: Ban) => {
    const call = ban.kind === BanKind.IP
      ? users.unbanIp({ ip: ban.subject })
      : users.unbanUser({ userId: BigInt(ban.subject), shadow: ban.kind === BanKind.SHADOW });
    call.then(() => {
      setText(status, `Lifted the ban on ${ban.subject}.`);
      load();
    }, (error: unknown) => setText(status, describeError(error)));
  };

  const userId = el('input', { attrs: { id: 'ban-user', inputmode: 'numeric', pattern: '[0-9]+', required: true } });
  const reason = el('input', { attrs: { id: 'ban-reason', required: true, maxlength: 256 } });
  const minutes = el('input', { attrs: { id: 'ban-minutes', type: 'number', min: 0, value: 0 } });
  const form = el(
    'form',
    { class: 'inline-form' },
    el('label', { attrs: { for: 'ban-user' } }, 'User id'),
    userId,
    el('label', { attrs: { for: 'ban-reason' } }, 'Reason'),
    reason,
    el('label', { attrs: { for: 'ban-minutes' } }, 'Minutes (0: permanent)'),
    minutes,
    el('button', { class: 'button small danger', attrs: { type: 'submit' } }, 'Ban'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    users
      .banUser({ userId: BigInt(userId.value), reason: reason.value.trim(), durationSeconds: BigInt(Number(minutes.value) * 60), shadow: false })
      .then(() => {
        setText(status, `User ${userId.value} is banned.`);
        load();
      }, (error: unknown) => setText(status, describeError(error)));
  });
  load();
  return el(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'bans-heading' } },
    el('h2', { attrs: { id: 'bans-heading' } }, 'Bans'),
    form,
    status,
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { attrs: { 'data-testid': 'bans-table' } },
        el('thead', null, el('tr', null, ...['Kind', 'Subject', 'Reason', 'Expires', ''].map((h) => el('th', { attrs: { scope: 'col' } }, h)))),
        body,
      ),
    ),
  );
}

/** Coins for a user (GiftService.CreditWallet, admins only): how viewers get something to gift locally. */
function creditPanel(context: AppContext): HTMLElement {
  const userId = el('input', { attrs: { id: 'credit-user', inputmode: 'numeric', pattern: '[0-9]+', required: true } });
  const amount = el('input', { attrs: { id: 'credit-amount', type: 'number', min: 1, max: 1_000_000_000, value: 1000, required: true } });
  const status = el('p', { class: 'form-status', attrs: { role: 'status' } });
  const form = el(
    'form',
    { class: 'inline-form' },
    el('label', { attrs: { for: 'credit-user' } }, 'User id'),
    userId,
    el('label', { attrs: { for: 'credit-amount' } }, 'Coins'),
    amount,
    el('button', { class: 'button small', attrs: { type: 'submit' } }, 'Credit'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    context.session.clients.gifts
      .creditWallet({ userId: BigInt(userId.value), amount: BigInt(amount.value), idempotencyKey: `credit-${crypto.randomUUID()}` })
      .then((wallet) => setText(status, `User ${wallet.userId} now has ${formatCount(wallet.balance)} coins.`), (error: unknown) => setText(status, describeError(error)));
  });
  return el('section', { class: 'panel', attrs: { 'aria-labelledby': 'credit-heading' } }, el('h2', { attrs: { id: 'credit-heading' } }, 'Credit coins'), form, status);
}
