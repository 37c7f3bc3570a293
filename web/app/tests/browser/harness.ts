import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** web/app (the compiled tests run from .test-build/tests/browser). */
export const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const REPO_ROOT = join(APP_ROOT, '..', '..');
export const ARTIFACTS = join(APP_ROOT, 'test-results');

/** Debian's chromium; no browser is ever downloaded. */
const CHROMIUM = process.env.LIVE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let shared: Promise<Browser> | null = null;

/**
 * One Chromium process per test file; every user gets a browser context of their own (cookies, storage,
 * cache). `launch` runs Chromium on a fresh temporary profile (user-data-dir) that it deletes on close.
 */
export function browser(): Promise<Browser> {
  shared ??= chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
  return shared;
}

export async function closeBrowser(): Promise<void> {
  if (shared !== null) {
    const b = await shared;
    shared = null;
    await b.close();
  }
}

export interface UserPage {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

export interface UserOptions {
  viewport?: { width: number; height: number };
  /** Console errors this user's page may log (e.g. a WebSocket refused while the Edge restarts). */
  allowConsoleErrors?: RegExp;
  /** Record a Playwright trace (default true). Off for frame-rate measurements: its screencast costs frames. */
  trace?: boolean;
}

export interface Session {
  /** Opens a browser context (one per user) with a page on `baseURL`; tracing runs until the test ends. */
  user(name: string, options?: UserOptions): Promise<UserPage>;
  /** Saves a screenshot of this user's page as a test artifact (kept whether the test passes or not). */
  screenshot(user: UserPage, file: string): Promise<string>;
}

/**
 * A browser test: users get contexts through `session.user`; when the test fails each context's trace and a
 * screenshot are written to test-results/; any console error the test did not expect fails it.
 */
export function browserTest(name: string, baseURL: () => string, body: (session: Session, t: TestContext) => Promise<void>, timeoutMs = 120_000): void {
  test(name, { timeout: timeoutMs }, async (t) => {
    const users: { user: UserPage; allowed: RegExp | undefined; traced: boolean }[] = [];
    const session: Session = {
      user: async (userName, options = {}) => {
        const context = await (await browser()).newContext({
          baseURL: baseURL(),
          ignoreHTTPSErrors: true,
          viewport: options.viewport ?? { width: 1280, height: 800 },
        });
        context.setDefaultTimeout(15_000);
        const traced = options.trace ?? true;
        if (traced) await context.tracing.start({ screenshots: true, snapshots: true, title: `${name} — ${userName}` });
        const page = await context.newPage();
        const user: UserPage = { name: userName, context, page, errors: [] };
        page.on('console', (message) => {
          if (message.type() === 'error') user.errors.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => user.errors.push(`page error: ${error.message}`));
        users.push({ user, allowed: options.allowConsoleErrors, traced });
        return user;
      },
      screenshot: async (user, file) => {
        mkdirSync(ARTIFACTS, { recursive: true });
        const path = join(ARTIFACTS, file);
        await user.page.screenshot({ path, fullPage: false });
        return path;
      },
    };
    let failure: unknown = null;
    try {
      await body(session, t);
      for (const { user, allowed } of users) {
        const unexpected = user.errors.filter((error) => allowed === undefined || !allowed.test(error));
        if (unexpected.length > 0) throw new Error(`${user.name}'s page logged errors:\n  ${unexpected.join('\n  ')}`);
      }
    } catch (error) {
      failure = error;
    }
    const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    for (const { user, traced } of users) {
      try {
        if (failure !== null) {
          mkdirSync(ARTIFACTS, { recursive: true });
          await user.page.screenshot({ path: join(ARTIFACTS, `failed-${slug}-${user.name}.png`) }).catch(() => undefined);
          if (traced) await user.context.tracing.stop({ path: join(ARTIFACTS, `failed-${slug}-${user.name}-trace.zip`) });
        } else if (traced) {
          await user.context.tracing.stop();
        }
      } finally {
        await user.context.close().catch(() => undefined);
      }
    }
    if (failure !== null) throw failure;
  });
}
