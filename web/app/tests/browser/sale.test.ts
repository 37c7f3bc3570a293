import { after } from 'node:test';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserTest, closeBrowser, REPO_ROOT } from './harness.js';
import { BASE_URL, INTERNAL, internalCall, register, shows, uniqueName, visit } from './platform.js';

/**
 * A flash sale through the pages: the anchor starts one from the console, a viewer with coins buys the only
 * unit and sees the order paid, the next viewer sees it sold out, and a guest sees the sale with a sign-in prompt.
 */
after(closeBrowser);

browserTest('an anchor starts a sale of one unit; viewer A buys it and sees the order; viewer B sees it sold out', () => BASE_URL, async (session) => {
  const anchor = await session.user('anchor');
  await register(anchor.page, uniqueName('s'), { anchor: true, displayName: 'Seller Sam' });
  await anchor.page.getByRole('link', { name: 'Console' }).click();
  await anchor.page.getByLabel('Title').fill('Flash sale night');
  await anchor.page.getByRole('button', { name: 'Create room' }).click();
  await anchor.page.getByRole('button', { name: 'Go live' }).click();
  await anchor.page.getByTestId('room-status').filter({ hasText: 'live' }).waitFor();
  const roomId = anchor.page.url().split('/').pop()!;

  const product = `Desk lamp ${roomId}`;
  await anchor.page.getByLabel('Product').fill(product);
  await anchor.page.getByLabel('Price (coins)').fill('30');
  await anchor.page.getByLabel('Stock').fill('1');
  await anchor.page.getByLabel('Per viewer').fill('1');
  await anchor.page.getByRole('button', { name: 'Start sale' }).click();
  await shows(anchor.page.getByTestId('sale-form-status'), /Sale \d+ is on: 1 units/);
  await shows(anchor.page.getByTestId('room-sales').locator('li'), product);

  // Viewer A has 100 coins of shopping balance (a payment provider's top-up, on the internal port).
  const buyerA = await session.user('viewerA');
  const idA = await register(buyerA.page, uniqueName('b'));
  await internalCall(INTERNAL.commerce, 'live.v1.CommerceService/TopUpBalance', { userId: String(idA), amount: 100, idempotencyKey: `test-topup-${idA}` });
  await visit(buyerA.page, `/rooms/${roomId}`);
  await buyerA.page.getByTestId('connection-state').filter({ hasText: 'Live' }).waitFor();
  const panelA = buyerA.page.getByTestId('sale-panel');
  await shows(panelA.getByTestId('sale-product'), product);
  await shows(panelA.getByTestId('sale-price'), '30 coins');
  await shows(panelA.getByTestId('sale-stock'), '1');
  await panelA.getByRole('button', { name: 'Buy' }).click();
  await shows(panelA.getByTestId('sale-status'), /Ordered: order \d+-1|Paid: order \d+-1/);
  await shows(panelA.getByTestId('sale-status'), /Paid: order \d+-1, 30 coins/, 30_000);
  await shows(panelA.getByTestId('sale-stock'), '0');
  const shot = await session.screenshot(buyerA, 'room-sale.png');
  copyFileSync(shot, join(REPO_ROOT, 'docs', 'web', 'room-sale.png'));

  // Viewer B comes after the last unit went: the panel says so and offers nothing to press.
  const buyerB = await session.user('viewerB');
  await register(buyerB.page, uniqueName('b'));
  await visit(buyerB.page, `/rooms/${roomId}`);
  await buyerB.page.getByTestId('connection-state').filter({ hasText: 'Live' }).waitFor();
  const panelB = buyerB.page.getByTestId('sale-panel');
  await shows(panelB.getByTestId('sale-product'), product);
  await shows(panelB.getByTestId('sale-stock'), '0');
  const soldOut = panelB.getByRole('button', { name: 'Sold out' });
  await soldOut.waitFor();
  if (!(await soldOut.isDisabled())) throw new Error('the sold-out button can still be pressed');

  // A guest sees the same sale and is asked to sign in to buy.
  const guest = await session.user('guest');
  await guest.page.goto(`/rooms/${roomId}`);
  const panelGuest = guest.page.getByTestId('sale-panel');
  await shows(panelGuest.getByTestId('sale-product'), product);
  await shows(panelGuest.getByTestId('sale-sign-in'), 'Sign in to buy');
});
