import { RoomStatus, WordAction, type Room } from '@live/sdk';
import { el, replaceChildren, setText, type Disposables } from '../dom';
import { describeError } from '../errors';
import type { AppContext } from '../app';
import { LiveRoom } from '../room/live-room';
import { openFeed } from '../room/live';
import { CATEGORIES } from './lobby';
import { roomModeration } from './room';
import { salesPanel } from './sale-console';
import { historyChart, statsPanel } from './stats';

const MAX_PAGES = 10;
const STATUS_TEXT: Record<number, string> = {
  [RoomStatus.IDLE]: 'idle',
  [RoomStatus.LIVE]: 'live',
  [RoomStatus.ENDED]: 'ended',
};
const SLOW_MODE_CHOICES = [0, 3, 10, 30, 60, 300];

/** The anchor console: the anchor's rooms, creating one, going live and stopping, and moderating a live room. */
export function renderConsole(context: AppContext, outlet: HTMLElement, match: RegExpMatchArray, view: Disposables): void {
  context.setTitle('Anchor console');
  const selected = match[1] !== undefined ? BigInt(match[1]) : null;
  const roomsList = el('ul', { class: 'console-rooms', attrs: { 'data-testid': 'my-rooms' } }, el('li', { class: 'empty' }, 'Loading…'));
  const detail = el('div', { class: 'console-detail' });
  outlet.append(
    el(
      'div',
      { class: 'console' },
      el(
        'aside',
        { class: 'console-side' },
        el('h1', null, 'Anchor console'),
        createRoomForm(context),
        el('h2', null, 'Your rooms'),
        roomsList,
      ),
      detail,
    ),
  );

  void loadMyRooms(context, view.signal()).then(
    (rooms) => {
      replaceChildren(
        roomsList,
        ...(rooms.length === 0
          ? [el('li', { class: 'empty' }, 'No rooms yet: create one above.')]
          : rooms.map((room) => {
              const link = context.link(`/console/rooms/${room.id}`, room.title);
              if (room.id === selected) link.setAttribute('aria-current', 'page');
              return el('li', null, link, el('span', { class: `tag status-${STATUS_TEXT[room.status] ?? 'unknown'}` }, STATUS_TEXT[room.status] ?? '?'));
            })),
      );
    },
    (error: unknown) => replaceChildren(roomsList, el('li', { class: 'empty' }, describeError(error))),
  );

  if (selected === null) {
    detail.append(el('section', { class: 'panel' }, el('h2', null, 'Pick a room'), el('p', null, 'Create a room or pick one of yours to go live and moderate its chat.')));
    return;
  }
  renderRoomControl(context, selected, detail, view);
}

/** ListRooms has no anchor filter: read pages (bounded) and keep the caller's rooms. */
async function loadMyRooms(context: AppContext, signal: AbortSignal): Promise<Room[]> {
  const me = context.user?.id;
  const mine: Room[] = [];
  let pageToken = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await context.session.clients.rooms.listRooms({ status: RoomStatus.UNSPECIFIED, category: '', page: { pageSize: 100, pageToken } }, { signal });
    for (const room of answer.rooms) if (room.anchorUserId === me) mine.push(room);
    pageToken = answer.page?.nextPageToken ?? '';
    if (pageToken === '') break;
  }
  return mine;
}

function createRoomForm(context: AppContext): HTMLFormElement {
  const title = el('input', { attrs: { id: 'new-room-title', name: 'title', required: true, maxlength: 100, placeholder: 'What is on today?' } });
  const category = el('select', { attrs: { id: 'new-room-category', name: 'category' } }, ...CATEGORIES.map((name) => el('option', { attrs: { value: name } }, name)));
  const status = el('p', { class: 'form-status', attrs: { role: 'alert' } });
  const submit = el('button', { class: 'button primary', attrs: { type: 'submit' } }, 'Create room');
  const form = el(
    'form',
    { class: 'form panel', attrs: { 'aria-labelledby': 'create-room-heading' } },
    el('h2', { attrs: { id: 'create-room-heading' } }, 'New room'),
    el('label', { attrs: { for: 'new-room-title' } }, 'Title'),
    title,
    el('label', { attrs: { for: 'new-room-category' } }, 'Category'),
    category,
    status,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    context.session.clients.rooms
      .createRoom({ anchorUserId: 0n, title: title.value.trim(), category: category.value, coverUrl: '' })
      .then(
        (room) => context.navigate(`/console/rooms/${room.id}`),
        (error: unknown) => {
          setText(status, describeError(error));
          submit.disabled = false;
        },
      );
  });
  return form;
}

function renderRoomControl(context: AppContext, roomId: bigint, detail: HTMLElement, view: Disposables): void {
  const { rooms } = context.session.clients;
  const signal = view.signal();
  const heading = el('h2', { class: 'room-title' }, `Room ${roomId}`);
  const state = el('span', { class: 'tag', attrs: { 'data-testid': 'room-status' } }, '…');
  const controls = el('div', { class: 'form-actions' });
  const status = el('p', { class: 'form-status', attrs: { role: 'alert' } });
  const liveArea = el('div', { class: 'console-live' });
  detail.append(el('section', { class: 'panel' }, el('div', { class: 'room-heading' }, heading, state), controls, status), liveArea);

  const act = (label: string, work: () => Promise<Room>, primary: boolean) => {
    const button = el('button', { class: primary ? 'button primary' : 'button danger', attrs: { type: 'button' } }, label);
    button.addEventListener('click', () => {
      button.disabled = true;
      work().then(
        () => context.navigate(`/console/rooms/${roomId}`),
        (error: unknown) => {
          setText(status, describeError(error));
          button.disabled = false;
        },
      );
    });
    return button;
  };

  rooms.getRoom({ roomId }, { signal }).then(
    (room) => {
      setText(heading, room.title);
      setText(state, STATUS_TEXT[room.status] ?? '?');
      state.dataset.status = STATUS_TEXT[room.status] ?? '';
      context.setTitle(`Console · ${room.title}`);
      if (room.status === RoomStatus.LIVE) {
        replaceChildren(controls, act('Stop broadcast', () => rooms.stopLive({ roomId }), false), context.link(`/rooms/${roomId}`, 'Open the room page', 'button ghost'));
        mountLiveConsole(context, room, liveArea, view);
      } else {
        replaceChildren(controls, act('Go live', () => rooms.startLive({ roomId }), true));
        liveArea.append(historyChart(context, roomId, view));
      }
    },
    (error: unknown) => !signal.aborted && setText(status, describeError(error)),
  );
}

function mountLiveConsole(context: AppContext, room: Room, area: HTMLElement, view: Disposables): void {
  let live: LiveRoom | null = null;
  live = new LiveRoom({
    title: room.title,
    selfId: Number(context.user?.id ?? 0n),
    moderation: roomModeration(context, room.id, (text) => live?.notice(text)),
    nameOf: (id) => context.names.label(BigInt(id)),
  });
  view.add(() => live?.destroy());
  const feed = openFeed(context, Number(room.id), live);
  view.add(() => feed.close());
  replaceChildren(
    area,
    el(
      'div',
      { class: 'console-grid' },
      el(
        'div',
        { class: 'console-main' },
        el('section', { class: 'stage-column', attrs: { 'aria-label': 'Preview' } }, live.stage, el('p', { class: 'room-live-facts' }, live.connection, ' · ', live.viewers, ' watching')),
        el('section', { class: 'chat-column', attrs: { 'aria-label': 'Live chat with moderation' } }, el('h2', null, 'Live chat'), live.chat.element),
      ),
      el(
        'div',
        { class: 'console-panels' },
        statsPanel(context, room.id, view),
        salesPanel(context, room.id, view),
        slowModePanel(context, room.id, view),
        wordListPanel(context, room.id, view),
        rejectionsPanel(context, room.id, view),
      ),
    ),
  );
}

function slowModePanel(context: AppContext, roomId: bigint, view: Disposables): HTMLElement {
  const { moderation } = context.session.clients;
  const select = el(
    'select',
    { attrs: { id: 'slow-mode' } },
    ...SLOW_MODE_CHOICES.map((seconds) => el('option', { attrs: { value: seconds } }, seconds === 0 ? 'off' : `one message per ${seconds} s`)),
  );
  const status = el('p', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'slow-mode-status' } });
  const show = (seconds: number) => {
    if (![...select.options].some((option) => option.value === String(seconds))) {
      select.append(el('option', { attrs: { value: seconds } }, `one message per ${seconds} s`));
    }
    select.value = String(seconds);
    setText(status, seconds === 0 ? 'Slow mode is off.' : `Slow mode: one message per ${seconds} s per viewer.`);
  };
  moderation.getRoomModeration({ roomId }, { signal: view.signal() }).then((answer) => show(answer.slowModeSeconds), (error: unknown) => setText(status, describeError(error)));
  select.addEventListener('change', () => {
    moderation.setSlowMode({ roomId, intervalSeconds: Number(select.value) }).then((answer) => show(answer.slowModeSeconds), (error: unknown) => setText(status, describeError(error)));
  });
  return el('section', { class: 'panel' }, el('h2', null, 'Slow mode'), el('label', { attrs: { for: 'slow-mode' } }, 'Viewers may send'), select, status);
}

function wordListPanel(context: AppContext, roomId: bigint, view: Disposables): HTMLElement {
  const { moderation } = context.session.clients;
  const list = el('ul', { class: 'word-list', attrs: { 'data-testid': 'word-list' } });
  const word = el('input', { attrs: { id: 'new-word', required: true, maxlength: 64, autocomplete: 'off' } });
  const action = el('select', { attrs: { id: 'new-word-action' } }, el('option', { attrs: { value: WordAction.MASK } }, 'mask with ***'), el('option', { attrs: { value: WordAction.BLOCK } }, 'block the message'));
  const status = el('p', { class: 'form-status', attrs: { role: 'status' } });
  const load = () => {
    moderation.listWords({ roomId, afterId: 0n, pageSize: 200 }, { signal: view.signal() }).then(
      (answer) =>
        replaceChildren(
          list,
          ...(answer.words.length === 0
            ? [el('li', { class: 'empty' }, 'No words listed for this room.')]
            : answer.words.map((entry) =>
                el(
                  'li',
                  null,
                  el('span', { class: 'word' }, entry.word),
                  el('span', { class: 'tag' }, entry.action === WordAction.BLOCK ? 'block' : 'mask'),
                  el(
                    'button',
                    {
                      class: 'chip',
                      attrs: { type: 'button', 'aria-label': `Remove ${entry.word}` },
                      on: { click: () => moderation.removeWord({ word: entry.word, roomId }).then(load, (error: unknown) => setText(status, describeError(error))) },
                    },
                    'Remove',
                  ),
                ),
              )),
        ),
      (error: unknown) => setText(status, describeError(error)),
    );
  };
  const form = el('form', { class: 'inline-form' }, el('label', { attrs: { for: 'new-word' } }, 'Word'), word, el('label', { attrs: { for: 'new-word-action' } }, 'Action'), action, el('button', { class: 'button small', attrs: { type: 'submit' } }, 'Add'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    moderation.addWord({ word: word.value.trim(), action: Number(action.value) as WordAction, roomId }).then(
      () => {
        word.value = '';
        setText(status, 'Added; every node applies it within a second.');
        load();
      },
      (error: unknown) => setText(status, describeError(error)),
    );
  });
  load();
  return el('section', { class: 'panel' }, el('h2', null, 'Room word list'), form, status, list);
}

function rejectionsPanel(context: AppContext, roomId: bigint, view: Disposables): HTMLElement {
  const list = el('ol', { class: 'rejections' });
  const load = () => {
    context.session.clients.moderation.listRejections({ roomId, limit: 20 }, { signal: view.signal() }).then(
      (answer) =>
        replaceChildren(
          list,
          ...(answer.rejections.length === 0
            ? [el('li', { class: 'empty' }, 'Nothing refused yet.')]
            : answer.rejections.map((r) =>
                el('li', null, el('span', { class: 'tag' }, r.reason), el('span', { class: 'who' }, r.userName || `user ${r.userId}`), el('span', { class: 'rejected-text' }, r.content)),
              )),
        ),
      () => undefined,
    );
  };
  load();
  view.interval(load, 10_000);
  return el('section', { class: 'panel' }, el('h2', null, 'Recently refused'), list);
}
