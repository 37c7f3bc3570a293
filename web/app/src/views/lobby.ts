import { RecommendationSource, RoomStatus, type Room } from '@live/sdk';
import { el, replaceChildren, setText, type Disposables } from '../dom';
import { describeError, statusOf, Status } from '../errors';
import type { AppContext } from '../app';
import { Follows, roomCard, type RoomCardData } from './cards';

/** RoomService's default categories (Rooms:Categories); no RPC lists them. */
export const CATEGORIES = ['chat', 'gaming', 'music', 'sports', 'education', 'outdoor', 'shopping'];

const REFRESH_MS = 10_000;
const SEARCH_PAGES = 5;

const REASONS: Record<number, string> = {
  [RecommendationSource.FOLLOWED]: 'you follow this anchor',
  [RecommendationSource.CATEGORY]: 'a category you watch',
  [RecommendationSource.HOT]: 'hot right now',
};

export function renderLobby(context: AppContext, outlet: HTMLElement, _match: RegExpMatchArray, view: Disposables): void {
  context.setTitle('');
  const { clients } = context.session;
  const follows = new Follows(context);
  const status = el('p', { class: 'status-line', attrs: { role: 'status', 'aria-live': 'polite' } });
  const signal = view.signal();
  let category = '';

  const search = el('input', {
    attrs: { id: 'room-search', type: 'search', placeholder: 'Search live rooms by title', autocomplete: 'off', maxlength: 100 },
  });
  const forYou = section('For you', 'for-you');
  const hot = section('Hot right now', 'hot-rooms');
  const results = section('Search results', 'search-results');
  results.root.hidden = true;
  const live = section('Live rooms', 'live-rooms');
  const tabs = el('div', { class: 'tabs', attrs: { role: 'group', 'aria-label': 'Category' } });
  live.root.insertBefore(tabs, live.grid);

  const cards = (rooms: RoomCardData[], empty: string): HTMLElement[] =>
    rooms.length === 0 ? [el('p', { class: 'empty' }, empty)] : rooms.map((room) => roomCard(context, room, follows, status));

  const renderTabs = () => {
    replaceChildren(
      tabs,
      ...['', ...CATEGORIES].map((name) =>
        el(
          'button',
          {
            class: 'tab',
            attrs: { type: 'button', 'aria-pressed': String(name === category), 'data-category': name || 'all' },
            on: {
              click: () => {
                category = name;
                renderTabs();
                void loadLive();
              },
            },
          },
          name === '' ? 'All' : name,
        ),
      ),
    );
  };

  const fromRoom = (room: Room): RoomCardData => ({
    roomId: room.id,
    anchorUserId: room.anchorUserId,
    title: room.title,
    category: room.category,
    viewers: room.viewerCount,
  });

  const loadLive = async () => {
    try {
      const answer = await clients.rooms.listRooms({ status: RoomStatus.LIVE, category, page: { pageSize: 48, pageToken: '' } }, { signal });
      replaceChildren(live.grid, ...cards(answer.rooms.map(fromRoom), category === '' ? 'Nobody is live right now.' : `Nobody is live in ${category}.`));
    } catch (error) {
      if (!signal.aborted) showFailure(live.grid, error);
    }
  };

  const loadHot = async () => {
    try {
      const answer = await clients.stats.getHotRooms({ category: '', limit: 8 }, { signal });
      replaceChildren(
        hot.grid,
        ...cards(
          answer.rooms.map((room) => ({ ...room, viewers: room.viewers, heat: room.heat })),
          'No room is hot yet.',
        ),
      );
    } catch (error) {
      if (!signal.aborted) showFailure(hot.grid, error);
    }
  };

  const loadForYou = async () => {
    try {
      const answer = await clients.stats.recommendRooms({ userId: 0n, limit: 8 }, { signal });
      replaceChildren(
        forYou.grid,
        ...cards(
          answer.rooms.map((room) => ({ ...room, heat: room.heat, reason: REASONS[room.source] })),
          'Follow anchors or watch a few rooms to get recommendations.',
        ),
      );
    } catch (error) {
      if (!signal.aborted) showFailure(forYou.grid, error);
    }
  };

  let searchRun = 0;
  const runSearch = async () => {
    const query = search.value.trim().toLocaleLowerCase();
    const run = ++searchRun;
    results.root.hidden = query === '';
    live.root.hidden = query !== '';
    if (query === '') return;
    setText(results.heading, `Rooms matching “${search.value.trim()}”`);
    const found: RoomCardData[] = [];
    let pageToken = '';
    try {
      // ListRooms has no title filter: read the live rooms page by page (bounded) and match titles here.
      for (let page = 0; page < SEARCH_PAGES; page++) {
        const answer = await clients.rooms.listRooms({ status: RoomStatus.LIVE, category: '', page: { pageSize: 100, pageToken } }, { signal });
        for (const room of answer.rooms) if (room.title.toLocaleLowerCase().includes(query)) found.push(fromRoom(room));
        pageToken = answer.page?.nextPageToken ?? '';
        if (pageToken === '') break;
      }
      if (run === searchRun) replaceChildren(results.grid, ...cards(found, 'No live room has that in its title.'));
    } catch (error) {
      if (run === searchRun && !signal.aborted) showFailure(results.grid, error);
    }
  };
  let debounce = 0;
  search.addEventListener('input', () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => void runSearch(), 250);
  });
  view.add(() => window.clearTimeout(debounce));

  const refresh = () => {
    follows.prune();
    void loadHot();
    void loadForYou();
    if (search.value.trim() === '') void loadLive();
  };

  if (context.user === null) {
    // The Proxy answers only sign-in calls for visitors without a token (docs/identity.md), so a guest's
    // lobby asks nothing that would be refused; rooms themselves are open to guests by their link.
    outlet.append(
      el(
        'section',
        { class: 'panel narrow', attrs: { 'data-testid': 'guest-lobby' } },
        el('h1', null, 'Live now'),
        el('p', null, 'Sign in to browse live rooms, chat, send gifts and follow anchors. Watching a room needs no account: open its link.'),
        el('p', { class: 'form-actions' }, context.link('/signin', 'Sign in', 'button primary'), context.link('/signin?mode=register', 'Create an account', 'button ghost')),
      ),
    );
    return;
  }

  renderTabs();
  outlet.append(
    el(
      'div',
      { class: 'lobby' },
      el(
        'div',
        { class: 'lobby-head' },
        el('h1', null, 'Live now'),
        el('label', { class: 'visually-hidden', attrs: { for: 'room-search' } }, 'Search live rooms by title'),
        search,
      ),
      status,
      results.root,
      forYou.root,
      hot.root,
      live.root,
    ),
  );
  void follows.load().catch(() => undefined);
  refresh();
  view.interval(refresh, REFRESH_MS);
}

function section(title: string, id: string): { root: HTMLElement; heading: HTMLElement; grid: HTMLElement } {
  const heading = el('h2', { attrs: { id: `${id}-heading` } }, title);
  const grid = el('div', { class: 'room-grid', attrs: { 'data-testid': id } }, el('p', { class: 'empty' }, 'Loading…'));
  const root = el('section', { class: 'lobby-section', attrs: { 'aria-labelledby': `${id}-heading` } }, heading, grid);
  return { root, heading, grid };
}

function showFailure(grid: HTMLElement, error: unknown): void {
  const text = statusOf(error) === Status.Unauthenticated ? 'Sign in to see this list.' : describeError(error);
  replaceChildren(grid, el('p', { class: 'empty' }, text));
}
