import type { InboxMessage } from '@live/sdk';
import { el, setText } from './dom';
import { describeError } from './errors';
import type { NameDirectory } from './names';
import type { Session } from './session';

/** How long a toast stays; the inbox keeps the message either way. */
const TOAST_MS = 8000;
/** At most this many toasts on screen: a burst shows its newest, the bell counts them all. */
const MAX_TOASTS = 3;

/**
 * The header's bell: how many messages to the signed-in user (docs/inbox.md) came since they last opened their
 * inbox page. The server's read position moves when a connection acks a message (delivered), so "seen in the
 * inbox" is kept here, per user, in local storage. An open room connection hands over each message as it
 * arrives, whatever room the user is in: a new one shows a toast ("an anchor you follow is live", with a link
 * to the room); ones that waited while the user was away are counted, not toasted. Elsewhere the count is read
 * again at each navigation.
 */
export class InboxBell {
  readonly element: HTMLAnchorElement;
  private readonly badge = el('span', { class: 'bell-count', attrs: { 'data-testid': 'inbox-unread', 'aria-hidden': 'true' } });
  private readonly toasts = el('div', { class: 'toasts', attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'toasts' } });
  private userId: bigint | null = null;
  private latestSeq = 0;
  private viewed = 0;

  constructor(
    private readonly session: Session,
    private readonly names: NameDirectory,
  ) {
    this.element = el('a', { class: 'bell', attrs: { href: '/inbox', 'data-testid': 'inbox-bell' } }, bellIcon(), this.badge);
    document.body.append(this.toasts);
    this.paint();
  }

  /** The last seq the user saw on the inbox page. */
  get viewedSeq(): number {
    return this.viewed;
  }

  /** Reads the user's latest seq again (signed in only). */
  async refresh(): Promise<void> {
    const user = this.session.user;
    if (user === null) return;
    this.follow(user.id);
    try {
      const answer = await this.session.clients.inbox.listInbox({ userId: 0n, afterSeq: 0n, limit: 1 });
      this.latestSeq = Math.max(this.latestSeq, Number(answer.latestSeq));
      this.paint();
    } catch {
      // The count stays as it was; the inbox page shows the error if the user opens it.
    }
  }

  /** A message a room connection handed over: a new one is counted and shown as a toast. */
  received(message: InboxMessage): void {
    const user = this.session.user;
    if (user === null) return;
    this.follow(user.id);
    if (message.seq <= this.latestSeq) return;
    this.latestSeq = message.seq;
    this.paint();
    this.toast(message);
  }

  /** The inbox page showed everything up to `seq`. */
  markViewed(seq: number): void {
    this.latestSeq = Math.max(this.latestSeq, seq);
    this.viewed = Math.max(this.viewed, seq);
    if (this.userId !== null) localStorage.setItem(storageKey(this.userId), String(this.viewed));
    this.paint();
  }

  /** Counts belong to one user: another sign-in starts from that user's own mark. */
  private follow(userId: bigint): void {
    if (this.userId === userId) return;
    this.userId = userId;
    this.latestSeq = 0;
    const stored = Number(localStorage.getItem(storageKey(userId)) ?? '0');
    this.viewed = Number.isSafeInteger(stored) && stored > 0 ? stored : 0;
  }

  private paint(): void {
    const unread = Math.max(0, this.latestSeq - this.viewed);
    setText(this.badge, unread > 99 ? '99+' : String(unread));
    this.badge.hidden = unread === 0;
    this.element.setAttribute('aria-label', unread === 0 ? 'Inbox' : `Inbox, ${unread} new`);
  }

  private toast(message: InboxMessage): void {
    const title = el('strong', null, this.title(message));
    const item = el(
      'div',
      { class: `toast toast-${message.kind}`, attrs: { 'data-testid': 'toast' } },
      title,
      el('span', null, message.content),
      message.kind === 'follow' && message.roomId > 0 ? el('a', { class: 'button small primary', attrs: { href: `/rooms/${message.roomId}` } }, 'Watch') : null,
    );
    this.toasts.append(item);
    while (this.toasts.childElementCount > MAX_TOASTS) this.toasts.firstElementChild?.remove();
    setTimeout(() => item.remove(), TOAST_MS);
    // A went-live notice names only the anchor's id: the name follows once the directory knows it.
    if (message.fromUserId !== 0 && message.fromUserName === '') {
      void this.names.resolve([BigInt(message.fromUserId)]).then(() => setText(title, this.title(message)));
    }
  }

  private title(message: InboxMessage): string {
    const from = message.fromUserId === 0 ? 'Live' : message.fromUserName || this.names.label(BigInt(message.fromUserId));
    return message.kind === 'follow' ? `${from} is live` : message.kind === 'whisper' ? `Whisper from ${from}` : from;
  }
}

/** Drawn, not an emoji: a page without an emoji font (a kiosk, headless Chromium) would show a box. */
function bellIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'bell-icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', 'M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z');
  svg.append(path);
  return svg;
}

function storageKey(userId: bigint): string {
  return `live.inbox.viewed.${userId}`;
}

/** Why loading the inbox failed, for the page. */
export function inboxError(error: unknown): string {
  return `The inbox could not be loaded: ${describeError(error)}`;
}
