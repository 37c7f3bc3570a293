import { LeaderboardKind, RoomStatus, type Gift, type Room } from '@live/sdk';
import { el, replaceChildren, setText, type Disposables } from '../dom';
import { describeError, statusOf, Status } from '../errors';
import { formatCoins, formatCount } from '../format';
import type { AppContext } from '../app';
import { DANMAKU_COLOURS } from '../room/colour';
import type { ChatModeration } from '../room/chat';
import type { FeedMessage, FeedRejection, RoomFeed } from '../room/feed';
import { LiveRoom } from '../room/live-room';
import { openFeed } from '../room/live';
import { Follows } from './cards';
import { SalePanel } from './sale';

const COLOUR_NAMES: Record<string, string> = {
  '#FFFFFF': 'White', '#FE0302': 'Red', '#FF7204': 'Orange', '#FFAA02': 'Amber', '#FFD302': 'Yellow',
  '#00CD00': 'Green', '#019899': 'Teal', '#4266BE': 'Blue', '#89D5FF': 'Sky', '#CC0273': 'Magenta',
};

/** How each refusal is introduced in the send box; the server's text follows. */
const REJECTION_TITLES: Record<string, string> = {
  rate_limited: 'Rate limited',
  flooding: 'Rate limited',
  slow_mode: 'Slow mode',
  banned: 'You are banned',
  ip_banned: 'Your address is banned',
  timed_out: 'You are timed out',
  blocked_word: 'Not sent',
  duplicate: 'Already sent',
  duplicate_in_room: 'Already said',
  too_long: 'Too long',
  bad_colour: 'Colour not allowed',
  control_chars: 'Not sent',
  empty: 'Nothing to send',
  not_allowed: 'Sign in to chat',
  room_not_live: 'The room is not live',
  unavailable: 'Chat unavailable',
  overloaded: 'Chat busy',
};

export function renderRoom(context: AppContext, outlet: HTMLElement, match: RegExpMatchArray, view: Disposables): void {
  const roomId = BigInt(match[1]!);
  const user = context.user;
  const { clients } = context.session;
  const signal = view.signal();
  context.setTitle(`Room ${roomId}`);

  const title = el('h1', { class: 'room-title' }, `Room ${roomId}`);
  const anchor = el('span', { class: 'room-anchor' });
  const follows = new Follows(context);
  const pageStatus = el('p', { class: 'status-line', attrs: { role: 'status', 'aria-live': 'polite' } });
  const head = el('div', { class: 'room-head' }, el('div', { class: 'room-heading' }, title, anchor));
  const body = el('div', { class: 'room-layout' });
  outlet.append(el('div', { class: 'room-page' }, head, pageStatus, body));

  const start = (room: Room | null) => {
    if (room !== null) {
      setText(title, room.title);
      context.setTitle(room.title);
      setText(anchor, context.names.label(room.anchorUserId));
      void context.names.resolve([room.anchorUserId]).then(() => setText(anchor, context.names.label(room.anchorUserId)));
      const follow = follows.button(room.anchorUserId, () => context.names.label(room.anchorUserId), pageStatus);
      if (follow !== null) {
        head.append(follow);
        void follows.load().catch(() => undefined);
      }
      if (room.status !== RoomStatus.LIVE) {
        replaceChildren(body, el('section', { class: 'panel' }, el('h2', null, 'Not live right now'), el('p', null, 'This room is offline. ', context.link('/', 'Find a live room'), '.')));
        return;
      }
    }
    const moderates = user !== null && (user.admin || (room !== null && room.anchorUserId === user.id));
    let live: LiveRoom | null = null;
    const moderation = moderates ? roomModeration(context, roomId, (text) => live?.notice(text)) : null;
    live = mountLive(context, roomId, room, moderation, { body, head }, view);
  };

  // Guests too: the room's details are a public read (docs/identity.md).
  clients.rooms.getRoom({ roomId }, { signal }).then(
    (room) => start(room),
    (error: unknown) => {
      if (signal.aborted) return;
      if (statusOf(error) === Status.NotFound) {
        replaceChildren(body, el('section', { class: 'panel' }, el('h2', null, 'No such room'), el('p', null, context.link('/', 'Back to the lobby'))));
        return;
      }
      // Without the details the room can still be watched: go on with its id.
      start(null);
    },
  );
}

/** The live part of a room page: stage and chat on one feed, the send box, gifts and the leaderboard. */
function mountLive(
  context: AppContext,
  roomId: bigint,
  room: Room | null,
  moderation: ChatModeration | null,
  parts: { body: HTMLElement; head: HTMLElement },
  view: Disposables,
): LiveRoom {
  const user = context.user;
  const selfId = user === null ? 0 : Number(user.id);
  const sendBox = new SendBox(user !== null, context);
  const leaderboard = new LeaderboardPanel(context, roomId, view);
  const gifts = user !== null ? new GiftBar(context, roomId, view) : null;
  let sale: SalePanel | null = null;
  const live = new LiveRoom({
    title: room?.title ?? `Room ${roomId}`,
    selfId,
    moderation,
    nameOf: (id) => context.names.label(BigInt(id)),
    onRejected: (rejection) => sendBox.showRejection(rejection),
    onMessage: (message) => {
      sendBox.noticeEcho(message, selfId);
      sale?.onMessage(message);
    },
    onGift: () => leaderboard.soon(),
  });
  view.add(() => live.destroy());
  if (room?.viewerCount !== undefined) live.online(Number(room.viewerCount));
  parts.head.append(el('div', { class: 'room-live-facts' }, live.connection, el('span', { class: 'fact' }, live.viewers, ' watching')));

  const feed: RoomFeed = openFeed(context, Number(roomId), live);
  view.add(() => feed.close());
  sendBox.bind(feed);
  sale = new SalePanel(context, roomId, () => feed.pass(), view);

  const signInHint = el('p', { class: 'hint' }, context.link(`/signin?next=${encodeURIComponent(location.pathname)}`, 'Sign in'), ' to chat and send gifts.');
  replaceChildren(
    parts.body,
    el('section', { class: 'stage-column', attrs: { 'aria-label': 'Stage' } }, live.stage, sale.element, gifts?.element ?? signInHint),
    el('section', { class: 'chat-column', attrs: { 'aria-label': 'Chat' } }, el('h2', { class: 'visually-hidden' }, 'Chat'), live.chat.element, sendBox.element),
    leaderboard.element,
  );
  return live;
}

/** The send box: input, colour, and the room's answer when it refuses (with the retry-after counting down). */
class SendBox {
  readonly element: HTMLFormElement;
  private readonly input: HTMLInputElement;
  private readonly colour: HTMLSelectElement;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private feed: RoomFeed | null = null;
  private retryAt = 0;
  private countdown = 0;
  private lastReason = '';
  private lastText = '';
  private readonly sent: string[] = [];

  constructor(signedIn: boolean, context: AppContext) {
    this.input = el('input', {
      attrs: {
        id: 'danmaku-input',
        name: 'content',
        maxlength: 100,
        autocomplete: 'off',
        placeholder: signedIn ? 'Say something…' : 'Sign in to chat',
        disabled: !signedIn,
        'aria-describedby': 'send-status',
      },
    });
    this.colour = el(
      'select',
      { attrs: { id: 'danmaku-colour', name: 'colour', disabled: !signedIn } },
      ...DANMAKU_COLOURS.map((colour) => el('option', { attrs: { value: colour } }, COLOUR_NAMES[colour] ?? colour)),
    );
    this.button = el('button', { class: 'button primary', attrs: { type: 'submit', disabled: !signedIn } }, 'Send');
    this.status = el('p', { class: 'send-status', attrs: { id: 'send-status', role: 'alert', 'data-testid': 'send-status' } });
    this.element = el(
      'form',
      { class: 'send-box', attrs: { 'aria-label': 'Send a danmaku' } },
      el('label', { class: 'visually-hidden', attrs: { for: 'danmaku-input' } }, 'Message'),
      this.input,
      el('label', { class: 'visually-hidden', attrs: { for: 'danmaku-colour' } }, 'Colour'),
      this.colour,
      this.button,
      this.status,
    );
    if (!signedIn) {
      this.status.replaceChildren(context.link(`/signin?next=${encodeURIComponent(location.pathname)}`, 'Sign in'), ' to send messages.');
      this.status.setAttribute('role', 'note');
    }
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  bind(feed: RoomFeed): void {
    this.feed = feed;
  }

  showRejection(rejection: FeedRejection): void {
    const title = REJECTION_TITLES[rejection.reason] ?? 'Not sent';
    this.lastReason = rejection.reason;
    this.lastText = `${title}: ${rejection.text}`;
    this.status.dataset.reason = rejection.reason;
    this.status.dataset.retryAfterMs = String(rejection.retryAfterMs);
    this.retryAt = rejection.retryAfterMs > 0 ? performance.now() + rejection.retryAfterMs : 0;
    this.paintStatus();
    window.clearInterval(this.countdown);
    if (this.retryAt > 0) {
      this.countdown = window.setInterval(() => this.paintStatus(), 100);
    }
  }

  /** One's own message came back changed: masked words were replaced with ***. */
  noticeEcho(message: FeedMessage, selfId: number): void {
    if (selfId === 0 || message.userId !== selfId || message.kind !== 'danmaku') return;
    const index = this.sent.indexOf(message.content);
    if (index >= 0) {
      this.sent.splice(index, 1);
      return;
    }
    if (message.content.includes('***') && this.sent.length > 0) {
      this.sent.shift();
      this.status.dataset.reason = 'masked';
      setText(this.status, 'Sent, with some words masked (***).');
    }
  }

  private paintStatus(): void {
    const left = this.retryAt - performance.now();
    if (this.retryAt > 0 && left <= 0) {
      window.clearInterval(this.countdown);
      this.retryAt = 0;
      this.button.disabled = false;
      setText(this.status, `${this.lastText} You can send again now.`);
      return;
    }
    this.button.disabled = this.retryAt > 0 && this.lastReason !== 'duplicate';
    setText(this.status, this.retryAt > 0 ? `${this.lastText} Retry in ${(left / 1000).toFixed(1)} s.` : this.lastText);
  }

  private submit(): void {
    const content = this.input.value.trim();
    if (content === '' || this.feed === null || this.button.disabled) return;
    if (!this.feed.send(content, this.colour.value)) {
      setText(this.status, 'Not connected; your message was not sent.');
      return;
    }
    this.sent.push(content);
    if (this.sent.length > 20) this.sent.shift();
    delete this.status.dataset.reason;
    delete this.status.dataset.retryAfterMs;
    setText(this.status, '');
    this.input.value = '';
  }
}

/** Gifts: the catalog as buttons, the wallet balance, and each send's answer. Combos show on the stage. */
class GiftBar {
  readonly element: HTMLElement;
  private readonly context: AppContext;
  private readonly roomId: bigint;
  private readonly balance = el('strong', { attrs: { 'data-testid': 'wallet-balance' } }, '…');
  private readonly buttons = el('div', { class: 'gift-buttons' });
  private readonly status = el('p', { class: 'gift-status', attrs: { role: 'status', 'data-testid': 'gift-status' } });

  constructor(context: AppContext, roomId: bigint, view: Disposables) {
    this.context = context;
    this.roomId = roomId;
    this.element = el(
      'section',
      { class: 'gift-bar', attrs: { 'aria-label': 'Gifts' } },
      el('p', { class: 'wallet' }, 'Coins: ', this.balance),
      this.buttons,
      this.status,
    );
    const signal = view.signal();
    const { gifts } = context.session.clients;
    gifts.listGifts({}, { signal }).then(
      (answer) => replaceChildren(this.buttons, ...answer.gifts.map((gift) => this.button(gift))),
      (error: unknown) => !signal.aborted && setText(this.status, describeError(error)),
    );
    gifts.getWallet({ userId: 0n }, { signal }).then(
      (wallet) => setText(this.balance, formatCount(wallet.balance)),
      (error: unknown) => !signal.aborted && setText(this.status, describeError(error)),
    );
  }

  private button(gift: Gift): HTMLButtonElement {
    return el(
      'button',
      {
        class: `gift tier-${gift.tier}`,
        attrs: { type: 'button', 'data-gift': gift.name, 'aria-label': `Send ${gift.name} (${formatCoins(gift.price)})` },
        on: { click: () => this.send(gift) },
      },
      el('span', { class: 'gift-name' }, gift.name),
      el('span', { class: 'gift-price' }, formatCoins(gift.price)),
    );
  }

  private send(gift: Gift): void {
    // One key per gift meant: a retry of this call with the same key could never send it twice.
    const key = `g-${crypto.randomUUID()}`;
    this.context.session.clients.gifts
      .sendGift({ idempotencyKey: key, roomId: this.roomId, senderUserId: 0n, giftId: gift.id, count: 1 })
      .then(
        (answer) => {
          if (answer.receipt !== undefined) setText(this.balance, formatCount(answer.receipt.balanceAfter));
          setText(this.status, `Sent ${gift.name}.`);
        },
        (error: unknown) => setText(this.status, describeError(error)),
      );
  }
}

/** The room's top gifters (StatsService), refreshed every few seconds and soon after a gift. */
class LeaderboardPanel {
  readonly element: HTMLElement;
  private readonly list = el('ol', { class: 'leaderboard-list', attrs: { 'data-testid': 'leaderboard' } });
  private readonly context: AppContext;
  private readonly roomId: bigint;
  private pending = 0;

  constructor(context: AppContext, roomId: bigint, view: Disposables) {
    this.context = context;
    this.roomId = roomId;
    this.element = el('section', { class: 'leaderboard panel', attrs: { 'aria-labelledby': 'leaderboard-heading' } }, el('h2', { attrs: { id: 'leaderboard-heading' } }, 'Top gifters'), this.list);
    this.load();
    view.interval(() => this.load(), 5000);
    view.add(() => window.clearTimeout(this.pending));
  }

  /** Gifts reach the leaderboard through Kafka and StatsService: look again a little later. */
  soon(): void {
    window.clearTimeout(this.pending);
    this.pending = window.setTimeout(() => this.load(), 1500);
  }

  private load(): void {
    this.context.session.clients.stats
      .getLeaderboard({ kind: LeaderboardKind.ROOM_GIFTERS, roomId: this.roomId, limit: 10, userId: this.context.user?.id ?? 0n })
      .then(async (board) => {
        await this.context.names.resolve(board.entries.map((entry) => entry.userId));
        replaceChildren(
          this.list,
          ...(board.entries.length === 0
            ? [el('li', { class: 'empty' }, 'No gifts yet.')]
            : board.entries.map((entry) =>
                el('li', null, el('span', { class: 'rank' }, `#${entry.rank}`), el('span', { class: 'who' }, this.context.names.label(entry.userId)), el('span', { class: 'score' }, formatCoins(entry.score))),
              )),
        );
      })
      .catch((error: unknown) => {
        const text = statusOf(error) === Status.Unauthenticated ? 'Sign in to see the leaderboard.' : describeError(error);
        replaceChildren(this.list, el('li', { class: 'empty' }, text));
      });
  }
}

/** Moderation from a room's chat rows: for the room's anchor and for admins. */
export function roomModeration(context: AppContext, roomId: bigint, report: (text: string) => void): ChatModeration {
  const { moderation, users } = context.session.clients;
  const fail = (error: unknown) => report(`Moderation failed: ${describeError(error)}`);
  return {
    deleteMessage: (entry) => {
      moderation.deleteMessage({ roomId, seq: BigInt(entry.seq) }).then(() => report(`Deleted message ${entry.seq}.`), fail);
    },
    timeOut: (entry) => {
      moderation
        .timeOutUser({ roomId, userId: BigInt(entry.userId), durationSeconds: 600 })
        .then(() => report(`${entry.name} is timed out for 10 minutes.`), fail);
    },
    ban: (entry) => {
      // Admins ban from the platform; an anchor's strongest tool is the longest room timeout (7 days).
      const call = context.user?.admin
        ? users.banUser({ userId: BigInt(entry.userId), reason: `banned from room ${roomId}`, durationSeconds: 0n, shadow: false }).then(() => `${entry.name} is banned.`)
        : moderation.timeOutUser({ roomId, userId: BigInt(entry.userId), durationSeconds: 604800 }).then(() => `${entry.name} is banned from this room for 7 days.`);
      call.then(report, fail);
    },
  };
}
