import { el, setText } from '../dom';
import { describeError } from '../errors';
import { formatCount, formatHeat } from '../format';
import type { AppContext } from '../app';

/** What a room card shows; assembled from Room, HotRoom or RecommendedRoom. */
export interface RoomCardData {
  roomId: bigint;
  anchorUserId: bigint;
  title: string;
  category: string;
  viewers?: bigint | undefined;
  heat?: number | undefined;
  /** Why it is recommended ("followed", "category", "hot"). */
  reason?: string | undefined;
}

/** The anchors the signed-in user follows, shared by every card on a page so a follow shows everywhere. */
export class Follows {
  private readonly context: AppContext;
  private readonly following = new Set<bigint>();
  private readonly buttons = new Set<{ anchor: bigint; button: HTMLButtonElement }>();

  constructor(context: AppContext) {
    this.context = context;
  }

  async load(): Promise<void> {
    const user = this.context.user;
    if (user === null) return;
    const answer = await this.context.session.clients.stats.listFollowing({ userId: 0n });
    this.following.clear();
    for (const id of answer.anchorUserIds) this.following.add(id);
    this.refreshButtons();
  }

  /** A follow/unfollow toggle for an anchor, or null when it makes no sense (guests, one's own rooms). */
  button(anchor: bigint, anchorName: () => string, status: HTMLElement): HTMLButtonElement | null {
    const user = this.context.user;
    if (user === null || user.id === anchor) return null;
    const button = el('button', { class: 'button small follow', attrs: { type: 'button' } });
    const entry = { anchor, button };
    this.buttons.add(entry);
    this.paint(entry);
    button.addEventListener('click', () => {
      const follow = !this.following.has(anchor);
      button.disabled = true;
      const stats = this.context.session.clients.stats;
      const call = follow
        ? stats.follow({ userId: 0n, anchorUserId: anchor })
        : stats.unfollow({ userId: 0n, anchorUserId: anchor });
      call
        .then((answer) => {
          if (answer.following) this.following.add(anchor);
          else this.following.delete(anchor);
          setText(status, answer.following ? `Following ${anchorName()}.` : `Unfollowed ${anchorName()}.`);
          this.refreshButtons();
        })
        .catch((error: unknown) => setText(status, describeError(error)))
        .finally(() => {
          button.disabled = false;
        });
    });
    return button;
  }

  /** Forgets buttons no longer on the page. */
  prune(): void {
    for (const entry of this.buttons) if (!entry.button.isConnected) this.buttons.delete(entry);
  }

  private refreshButtons(): void {
    this.prune();
    for (const entry of this.buttons) this.paint(entry);
  }

  private paint(entry: { anchor: bigint; button: HTMLButtonElement }): void {
    const following = this.following.has(entry.anchor);
    setText(entry.button, following ? 'Following' : 'Follow');
    entry.button.setAttribute('aria-pressed', String(following));
  }
}

export function roomCard(context: AppContext, room: RoomCardData, follows: Follows, status: HTMLElement): HTMLElement {
  const anchorName = el('span', { class: 'card-anchor' }, context.names.label(room.anchorUserId));
  void context.names.resolve([room.anchorUserId]).then(() => setText(anchorName, context.names.label(room.anchorUserId)));
  const facts: (HTMLElement | null)[] = [
    el('span', { class: 'tag' }, room.category),
    room.viewers !== undefined ? el('span', { class: 'fact', attrs: { title: 'viewers' } }, `${formatCount(room.viewers)} watching`) : null,
    room.heat !== undefined ? el('span', { class: 'fact', attrs: { title: 'heat' } }, `heat ${formatHeat(room.heat)}`) : null,
    room.reason !== undefined ? el('span', { class: 'fact reason' }, room.reason) : null,
  ];
  return el(
    'article',
    { class: 'room-card', attrs: { 'data-room-id': String(room.roomId) } },
    el('a', { class: 'card-thumb', attrs: { href: `/rooms/${room.roomId}`, tabindex: -1, 'aria-hidden': 'true' } }, el('span', { class: 'live-badge' }, 'LIVE')),
    el(
      'div',
      { class: 'card-body' },
      el('h3', { class: 'card-title' }, el('a', { attrs: { href: `/rooms/${room.roomId}` } }, room.title)),
      el('p', { class: 'card-meta' }, anchorName),
      el('p', { class: 'card-facts' }, ...facts),
    ),
    el('div', { class: 'card-actions' }, follows.button(room.anchorUserId, () => context.names.label(room.anchorUserId), status)),
  );
}
