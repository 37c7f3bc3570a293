import { el, pulse, setText } from '../dom';
import { formatCount } from '../format';
import { ChatColumn, type ChatModeration } from './chat';
import { ComboTracker, parseGiftContent } from './combos';
import type { FeedListener, FeedMessage, FeedRejection, FeedState } from './feed';
import { DanmakuOverlay } from './overlay';
import { TestPattern } from './stage';

const COMBO_SHOWN_MS = 4000;
const COMBOS_SHOWN = 4;
const STATE_TEXT: Record<FeedState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

export interface LiveRoomOptions {
  title: string;
  /** The signed-in user's id (0 for guests): their own messages fly with priority. */
  selfId: number;
  moderation: ChatModeration | null;
  /** A name for senders the server sent without one (gifts sent by a service on a user's behalf). */
  nameOf(userId: number): string;
  /** Rejections of what this page sent (the send box shows them). */
  onRejected?(rejection: FeedRejection): void;
  /** Each message as it arrives (the send box notices masked words in one's own). */
  onMessage?(message: FeedMessage): void;
  /** After each gift frame (the leaderboard refreshes). */
  onGift?(): void;
}

/**
 * A live room on screen: the stage (test pattern + danmaku overlay + gift combos + connection banner), the
 * chat column and the viewer count, all fed by one FeedListener. The room page and the anchor console
 * both use it.
 */
export class LiveRoom implements FeedListener {
  readonly stage: HTMLElement;
  readonly chat: ChatColumn;
  readonly viewers: HTMLElement;
  readonly connection: HTMLElement;
  readonly overlay: DanmakuOverlay;
  private readonly pattern: TestPattern;
  private readonly combos = new ComboTracker();
  private readonly comboList: HTMLElement;
  private readonly comboNodes = new Map<number, { node: HTMLElement; timer: number }>();
  private readonly banner: HTMLElement;
  private readonly bannerText: HTMLElement;
  private readonly options: LiveRoomOptions;
  private lostNotice = false;

  constructor(options: LiveRoomOptions) {
    this.options = options;
    this.pattern = new TestPattern(options.title);
    const overlayRoot = el('div', { attrs: { 'data-testid': 'danmaku-overlay' } });
    this.comboList = el('ol', { class: 'combo-list', attrs: { 'aria-label': 'Gift combos', 'data-testid': 'combos' } });
    this.bannerText = el('span');
    this.banner = el(
      'div',
      { class: 'stage-banner', attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'connection-banner' } },
      this.bannerText,
    );
    this.banner.hidden = true;
    this.stage = el('div', { class: 'stage' }, this.pattern.canvas, overlayRoot, this.comboList, this.banner);
    this.overlay = new DanmakuOverlay(overlayRoot);
    this.chat = new ChatColumn({ label: 'Chat', moderation: options.moderation });
    this.viewers = el('span', { class: 'viewer-count', attrs: { 'data-testid': 'viewer-count' } }, '—');
    this.connection = el('span', { class: 'connection-state', attrs: { 'data-testid': 'connection-state', 'data-state': 'connecting' } }, STATE_TEXT.connecting);
  }

  destroy(): void {
    this.pattern.destroy();
    this.overlay.destroy();
    this.chat.destroy();
    for (const { timer } of this.comboNodes.values()) window.clearTimeout(timer);
    this.comboNodes.clear();
  }

  /** A line in the chat column from this page (not from the room). */
  notice(text: string, alert = false): void {
    this.chat.add({ seq: 0, userId: 0, name: '', text, colour: '', kind: 'notice', alert });
  }

  message(message: FeedMessage): void {
    this.options.onMessage?.(message);
    const name = message.userName !== '' ? message.userName : this.options.nameOf(message.userId);
    if (message.kind === 'gift') {
      this.gift(message, name);
      return;
    }
    if (message.kind === 'system') {
      this.chat.add({ seq: message.seq, userId: 0, name: '', text: message.content, colour: '', kind: 'system' });
      return;
    }
    const own = this.options.selfId !== 0 && message.userId === this.options.selfId;
    this.overlay.push({ seq: message.seq, text: message.content, colour: message.color, gift: false, priority: own });
    this.chat.add({ seq: message.seq, userId: message.userId, name, text: message.content, colour: message.color, kind: 'danmaku' });
  }

  deleted(seq: number): void {
    this.overlay.remove(seq);
    this.chat.remove(seq);
  }

  online(viewers: number): void {
    setText(this.viewers, formatCount(viewers));
  }

  rejected(rejection: FeedRejection): void {
    this.options.onRejected?.(rejection);
  }

  streamReset(): void {
    this.chat.forgetSeqs();
  }

  notRecovered(count: number, reason: string): void {
    const text = count > 0
      ? `${count} message${count === 1 ? '' : 's'} could not be recovered`
      : 'Some messages could not be recovered';
    this.notice(reason === '' ? `${text}.` : `${text}: ${reason}`, true);
    this.lostNotice = true;
    this.showBanner(`${text}.`, 'lost');
    window.setTimeout(() => {
      this.lostNotice = false;
      if (this.connection.dataset.state === 'live') this.banner.hidden = true;
    }, 10_000);
  }

  state(state: FeedState, detail: string): void {
    setText(this.connection, STATE_TEXT[state]);
    this.connection.dataset.state = state;
    if (state === 'live') {
      if (!this.lostNotice) this.banner.hidden = true;
      return;
    }
    if (state === 'reconnecting') this.showBanner(detail === '' ? 'Reconnecting…' : `Reconnecting… (${detail})`, 'reconnecting');
    else if (state === 'closed') this.showBanner(detail === '' ? 'Disconnected.' : detail, 'closed');
  }

  private showBanner(text: string, kind: string): void {
    setText(this.bannerText, text);
    this.banner.dataset.kind = kind;
    this.banner.hidden = false;
  }

  private gift(message: FeedMessage, name: string): void {
    const parsed = parseGiftContent(message.content);
    if (parsed === null) {
      this.overlay.push({ seq: message.seq, text: `${name} ${message.content}`, colour: '', gift: true, priority: true });
      this.chat.add({ seq: message.seq, userId: message.userId, name, text: message.content, colour: '', kind: 'gift' });
      this.options.onGift?.();
      return;
    }
    const combo = this.combos.update(message.userId, parsed.gift, parsed.total, performance.now());
    if (!combo.raised) return;
    const text = `sent ${parsed.gift} ×${combo.total}`;
    this.chat.add({ seq: message.seq, userId: message.userId, name, text, colour: '', kind: 'gift', comboId: combo.streakId });
    this.overlay.push({ seq: message.seq, text: `${name} ${text}`, colour: '', gift: true, priority: true });
    this.showCombo(combo.streakId, name, parsed.gift, combo.total);
    this.options.onGift?.();
  }

  private showCombo(streakId: number, name: string, gift: string, total: number): void {
    let entry = this.comboNodes.get(streakId);
    if (entry === undefined) {
      const node = el('li', { class: 'combo', attrs: { 'data-streak': streakId } });
      this.comboList.append(node);
      entry = { node, timer: 0 };
      this.comboNodes.set(streakId, entry);
      while (this.comboNodes.size > COMBOS_SHOWN) {
        const [oldestId, oldest] = this.comboNodes.entries().next().value!;
        window.clearTimeout(oldest.timer);
        oldest.node.remove();
        this.comboNodes.delete(oldestId);
      }
    }
    const { node } = entry;
    node.replaceChildren(
      el('span', { class: 'combo-name' }, name),
      el('span', { class: 'combo-gift' }, gift),
      el('span', { class: 'combo-count', attrs: { 'data-testid': 'combo-count' } }, `×${total}`),
    );
    pulse(node);
    window.clearTimeout(entry.timer);
    entry.timer = window.setTimeout(() => {
      node.remove();
      this.comboNodes.delete(streakId);
    }, COMBO_SHOWN_MS);
  }
}
