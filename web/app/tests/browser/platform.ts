import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Locator, Page } from 'playwright-core';
import { REPO_ROOT } from './harness.js';

const run = promisify(execFile);

/** The Proxy's public origin: the app, gRPC-Web and /ws on one port (`./platform up` prints it). */
export const BASE_URL = process.env.LIVE_WEB_URL ?? 'https://127.0.0.1:8443';
export const PASSWORD = 'correct horse battery';

/** The internal (unauthenticated, service-network) gRPC ports; tests use them only to set the stage. */
export const INTERNAL = {
  users: '127.0.0.1:5102',
  messages: '127.0.0.1:5103',
  commerce: '127.0.0.1:5106',
} as const;

/** A call on an internal port with `buf curl` (tools/buf; schema from server reflection), e.g. coins for a viewer, the admin role. */
export async function internalCall<T>(target: string, method: string, body: unknown): Promise<T> {
  const buf = join(REPO_ROOT, 'tools', 'buf', 'node_modules', '.bin', 'buf');
  const { stdout } = await run(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '-d', JSON.stringify(body), `http://${target}/${method}`], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as T;
}

/** Stops the Edge and starts it again (`./platform restart edge`), as a deploy or a crash would. */
export async function restartEdge(): Promise<void> {
  await run(join(REPO_ROOT, 'platform'), ['restart', 'edge'], { timeout: 120_000, env: process.env });
}

/**
 * One command to the platform's Redis (`./platform` starts it on LIVE_REDIS_PORT, default 16379), e.g. to lose a
 * room's state as a Redis restart would; resolves with the first line of the answer.
 */
export function redisCommand(...args: string[]): Promise<string> {
  const port = Number(process.env.LIVE_REDIS_PORT ?? '16379');
  const request = `*${args.length}\r\n` + args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(5_000, () => socket.destroy(new Error(`Redis on ${port} did not answer`)));
    socket.once('error', reject);
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString().split('\r\n')[0]!);
    });
    socket.write(request);
  });
}

let counter = 0;
/** A username nobody has used: 3..32 characters of [a-z0-9]. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1296).toString(36)}`.slice(0, 32);
}

export async function register(page: Page, username: string, options: { anchor?: boolean; displayName?: string } = {}): Promise<bigint> {
  await page.goto('/signin?mode=register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  if (options.displayName !== undefined) await page.getByLabel('Display name (optional)').fill(options.displayName);
  if (options.anchor === true) await page.getByLabel('I want to go live (anchor account)').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  return userId(page);
}

export async function signIn(page: Page, username: string, next = '/'): Promise<bigint> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return userId(page);
}

async function userId(page: Page): Promise<bigint> {
  const account = page.getByTestId('account-name');
  // Attached, not visible: phone-sized pages hide the name to save room.
  await account.waitFor({ state: 'attached' });
  return BigInt((await account.getAttribute('data-user-id')) ?? '0');
}

/** Waits (web-first) until one element of `locator` shows `text`; returns that element. */
export async function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<Locator> {
  const match = locator.filter({ hasText: text }).first();
  await match.waitFor({ state: 'visible', timeout });
  return match;
}

/** Waits until `text` flies on the page's danmaku overlay (its hidden list of the texts on the canvas). */
export async function flies(page: Page, text: string, timeout = 15_000): Promise<void> {
  await overlayTexts(page).filter({ hasText: text }).first().waitFor({ state: 'attached', timeout });
}

export function overlayTexts(page: Page): Locator {
  return page.getByTestId('danmaku-overlay').locator('.danmaku-texts li');
}

/** Waits until no element of `locator` shows `text` any more. */
export async function gone(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'detached', timeout });
}

/** Navigates inside the app as a link click does (no reload: the page, its session and sockets stay). */
export async function visit(page: Page, path: string): Promise<void> {
  await page.evaluate((target) => {
    history.pushState(null, '', target);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

export async function sendDanmaku(page: Page, text: string): Promise<void> {
  const input = page.getByLabel('Message', { exact: true });
  await input.fill(text);
  await input.press('Enter');
}
