import type { RoomMinute, RoomStats } from '@live/sdk';
import { el, replaceChildren, setText, type Disposables } from '../dom';
import { describeError } from '../errors';
import { formatCoins, formatCount, formatHeat, formatRate, timestampMs, timestampOf } from '../format';
import type { AppContext } from '../app';

const RETRY_MS = 3000;

/**
 * A room's live statistics from StatsService.WatchRoomStats (a server stream over gRPC-Web): one update a
 * second while the view is open; the stream is reopened after a failure and cancelled with the view.
 */
export function statsPanel(context: AppContext, roomId: bigint, view: Disposables): HTMLElement {
  const fields = {
    viewers: cell('viewers'),
    rate: cell('rate'),
    rate1m: cell('rate1m'),
    senders: cell('senders'),
    gifts: cell('gifts'),
    heat: cell('heat'),
    live: cell('live'),
  };
  const status = el('p', { class: 'status-line', attrs: { role: 'status' } });
  const panel = el(
    'section',
    { class: 'stats panel', attrs: { 'aria-label': 'Live stats', 'data-testid': 'room-stats' } },
    el('h2', null, 'Live stats'),
    el(
      'dl',
      { class: 'stats-grid' },
      term('Viewers', fields.viewers),
      term('Messages/s', fields.rate),
      term('Messages/s (1 min)', fields.rate1m),
      term('Senders (1 h)', fields.senders),
      term('Gifts', fields.gifts),
      term('Heat', fields.heat),
      term('Status', fields.live),
    ),
    status,
  );
  const show = (stats: RoomStats) => {
    setText(fields.viewers, formatCount(stats.viewers));
    setText(fields.rate, formatRate(stats.messagesPerSecond));
    setText(fields.rate1m, formatRate(stats.messagesPerSecond1m));
    setText(fields.senders, formatCount(stats.uniqueSenders1h));
    setText(fields.gifts, `${formatCount(stats.giftCount)} (${formatCoins(stats.giftValue)})`);
    setText(fields.heat, formatHeat(stats.heat));
    setText(fields.live, stats.live ? 'live' : 'offline');
    setText(status, stats.computedAt ? `Updated ${new Date(timestampMs(stats.computedAt)).toLocaleTimeString()}` : '');
  };
  const signal = view.signal();
  const watch = async () => {
    while (!signal.aborted) {
      try {
        for await (const stats of context.session.clients.stats.watchRoomStats({ roomId }, { signal })) show(stats);
      } catch (error) {
        if (signal.aborted) return;
        setText(status, `Stats stream interrupted (${describeError(error)}); retrying…`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  void watch();
  return panel;
}

function cell(name: string): HTMLElement {
  return el('dd', { attrs: { 'data-stat': name } }, '—');
}

function term(label: string, value: HTMLElement): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(el('div', { class: 'stat' }, el('dt', null, label), value));
  return fragment;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Per-minute history of a room over the last hour (GetRoomHistory): messages and peak viewers as lines. */
export function historyChart(context: AppContext, roomId: bigint, view: Disposables): HTMLElement {
  const chart = el('div', { class: 'chart', attrs: { 'data-testid': 'history-chart' } }, el('p', { class: 'empty' }, 'Loading…'));
  const table = el('table', { class: 'visually-hidden' });
  const panel = el('section', { class: 'panel history', attrs: { 'aria-labelledby': 'history-heading' } }, el('h2', { attrs: { id: 'history-heading' } }, 'Last hour, per minute'), chart, table);
  const load = () => {
    const to = Date.now() + 60_000;
    const from = to - 61 * 60_000;
    context.session.clients.stats
      .getRoomHistory({ roomId, from: timestampOf(from), to: timestampOf(to) })
      .then((answer) => {
        drawChart(chart, answer.minutes, from, to);
        fillTable(table, answer.minutes);
      })
      .catch((error: unknown) => replaceChildren(chart, el('p', { class: 'empty' }, describeError(error))));
  };
  load();
  view.interval(load, 30_000);
  return panel;
}

function drawChart(target: HTMLElement, minutes: RoomMinute[], from: number, to: number): void {
  if (minutes.length === 0) {
    replaceChildren(target, el('p', { class: 'empty' }, 'No activity in the last hour.'));
    return;
  }
  const width = 600;
  const height = 180;
  const pad = { left: 40, right: 40, top: 12, bottom: 24 };
  const x = (ms: number) => pad.left + ((ms - from) / (to - from)) * (width - pad.left - pad.right);
  const series = [
    { name: 'messages', colour: '#4cc9f0', values: minutes.map((m) => Number(m.messages)) },
    { name: 'peak viewers', colour: '#f72585', values: minutes.map((m) => Number(m.peakViewers)) },
  ];
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Messages and peak viewers per minute over the last hour' });
  root.append(svg('line', { x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom, class: 'axis' }));
  for (const [index, s] of series.entries()) {
    const max = Math.max(1, ...s.values);
    const y = (value: number) => height - pad.bottom - (value / max) * (height - pad.top - pad.bottom);
    const points = minutes.map((m, i) => `${x(m.minute ? timestampMs(m.minute) : from).toFixed(1)},${y(s.values[i]!).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { points, fill: 'none', stroke: s.colour, 'stroke-width': 2 }));
    const labelX = index === 0 ? 4 : width - pad.right + 4;
    root.append(svg('text', { x: labelX, y: pad.top + 10, fill: s.colour, class: 'chart-label' }, formatCount(max)));
  }
  root.append(svg('text', { x: pad.left, y: height - 6, class: 'chart-label' }, new Date(from).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
  root.append(svg('text', { x: width - pad.right, y: height - 6, 'text-anchor': 'end', class: 'chart-label' }, 'now'));
  const legend = el('p', { class: 'legend' }, ...series.map((s) => el('span', { class: 'legend-item', attrs: { 'data-colour': s.colour } }, el('span', { class: `swatch swatch-${s.name.replace(' ', '-')}` }), s.name)));
  replaceChildren(target, root, legend);
}

function fillTable(table: HTMLTableElement, minutes: RoomMinute[]): void {
  replaceChildren(
    table,
    el('caption', null, 'Per-minute history'),
    el('thead', null, el('tr', null, el('th', null, 'minute'), el('th', null, 'messages'), el('th', null, 'gifts'), el('th', null, 'peak viewers'))),
    el(
      'tbody',
      null,
      ...minutes.map((m) =>
        el('tr', null, el('td', null, m.minute ? new Date(timestampMs(m.minute)).toLocaleTimeString() : ''), el('td', null, formatCount(m.messages)), el('td', null, formatCount(m.gifts)), el('td', null, formatCount(m.peakViewers))),
      ),
    ),
  );
}
