import { after } from 'node:test';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserTest, closeBrowser, REPO_ROOT } from './harness.js';
import { BASE_URL, register, shows, uniqueName, visit } from './platform.js';

/**
 * Messages to one user through the pages (docs/inbox.md): a viewer follows an anchor; while the viewer watches
 * another room, the anchor goes live in a new one, and the viewer gets a toast with a link to it and a bell
 * that counts it; the inbox page lists it and opening it clears the bell.
 */
after(closeBrowser);

browserTest('a followed anchor going live shows a toast and the bell; the inbox page lists it and clears the bell', () => BASE_URL, async (session) => {
  const anchor = await session.user('anchor');
  await register(anchor.page, uniqueName('f'), { anchor: true, displayName: 'Followed Fay' });
  const openRoom = async (title: string) => {
    await visit(anchor.page, '/console');
    await anchor.page.getByLabel('Title').fill(title);
    await anchor.page.getByRole('button', { name: 'Create room' }).click();
    await anchor.page.getByRole('button', { name: 'Go live' }).click();
    await anchor.page.getByTestId('room-status').filter({ hasText: 'live' }).waitFor();
    return anchor.page.url().split('/').pop()!;
  };
  const first = `Warm-up ${uniqueName('t')}`;
  const firstRoom = await openRoom(first);

  const viewer = await session.user('viewer');
  await register(viewer.page, uniqueName('v'));
  await viewer.page.getByLabel('Search live rooms by title').fill(first);
  const card = await shows(viewer.page.getByTestId('search-results').locator('.room-card'), first);
  await card.getByRole('button', { name: 'Follow' }).click();
  await card.locator('button.follow[aria-pressed="true"]').waitFor();
  await visit(viewer.page, `/rooms/${firstRoom}`);
  await viewer.page.getByTestId('connection-state').filter({ hasText: 'Live' }).waitFor();

  const second = `Main show ${uniqueName('t')}`;
  const secondRoom = await openRoom(second);

  // The notice comes through room-events, StatsService's went-live fan-out and the inbox, to the viewer's
  // connection in the other room.
  const toast = await shows(viewer.page.getByTestId('toast'), `Room ${secondRoom} is live: ${second}`, 30_000);
  await shows(toast, 'Followed Fay is live');
  await shows(viewer.page.getByTestId('inbox-unread'), '1');
  const shot = await session.screenshot(viewer, 'inbox-toast.png');
  copyFileSync(shot, join(REPO_ROOT, 'docs', 'web', 'inbox-toast.png'));

  await viewer.page.getByTestId('inbox-bell').click();
  const item = await shows(viewer.page.getByTestId('inbox-item'), second);
  await shows(item, 'Live now');
  await shows(viewer.page.getByTestId('inbox-status'), '1 new');
  await viewer.page.getByTestId('inbox-unread').waitFor({ state: 'hidden' });
  await item.getByRole('link', { name: `Room ${secondRoom}` }).click();
  await viewer.page.getByTestId('connection-state').filter({ hasText: 'Live' }).waitFor();
});
