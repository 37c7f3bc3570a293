import type { Disposables } from '../dom';
import { el, replaceChildren, setText } from '../dom';
import type { AppContext } from '../app';
import { inboxError } from '../inbox';

const KIND_LABELS: Record<number, string> = { 1: 'Platform', 2: 'Moderation', 3: 'Whisper', 4: 'Live now' };

/**
 * The signed-in user's inbox (docs/inbox.md), newest first, with what came since the last visit marked. Opening
 * it counts as reading everything: the bell's mark moves, and so does the server's read position, so a message
 * read here is not delivered to a room connection again.
 */
export function renderInbox(context: AppContext, outlet: HTMLElement, _match: RegExpMatchArray, disposables: Disposables): void {
  context.setTitle('Inbox');
  const list = el('ol', { class: 'inbox-list', attrs: { 'data-testid': 'inbox-list' } });
  const status = el('p', { class: 'muted', attrs: { role: 'status', 'data-testid': 'inbox-status' } }, 'Loading…');
  outlet.append(el('section', { class: 'panel' }, el('h1', null, 'Inbox'), status, list));
  const seenBefore = BigInt(context.inbox?.viewedSeq ?? 0);

  const inbox = context.session.clients.inbox;
  const load = async () => {
    const answer = await inbox.listInbox({ userId: 0n, afterSeq: 0n, limit: 200 });
    await context.names.resolve(answer.messages.map((m) => m.fromUserId).filter((id) => id !== 0n));
    if (disposables.isDisposed) return;
    const items = [...answer.messages].reverse().map((m) =>
      el(
        'li',
        { class: m.seq > seenBefore ? 'inbox-item new' : 'inbox-item', attrs: { 'data-testid': 'inbox-item' } },
        el('span', { class: 'inbox-kind' }, KIND_LABELS[m.kind] ?? 'Message'),
        el('span', { class: 'inbox-from' }, m.fromUserId === 0n ? 'Live' : m.fromUserName || context.names.label(m.fromUserId)),
        el('span', { class: 'inbox-content' }, m.content),
        m.roomId > 0n ? context.link(`/rooms/${m.roomId}`, `Room ${m.roomId}`, 'inbox-room') : null,
        el('time', { class: 'inbox-time', attrs: { datetime: new Date(Number(m.createdMs)).toISOString() } }, new Date(Number(m.createdMs)).toLocaleString()),
      ),
    );
    replaceChildren(list, ...items);
    const dropped = answer.dropped > 0n ? ` ${answer.dropped} older message(s) were dropped: the inbox keeps the newest.` : '';
    const fresh = answer.messages.filter((m) => m.seq > seenBefore).length;
    setText(status, answer.messages.length === 0 ? 'Nothing here yet.' : `${fresh === 0 ? 'Nothing new' : `${fresh} new`}.${dropped}`);
    context.inbox?.markViewed(Number(answer.latestSeq));
    if (answer.latestSeq > answer.readSeq) await inbox.markRead({ userId: 0n, seq: answer.latestSeq });
  };
  load().catch((error: unknown) => setText(status, inboxError(error)));
}
