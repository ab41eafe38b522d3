import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium driven by playwright-core, as the e2e tests use it. */
export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Where a test file's screenshots go: `<$CBM_SCREENSHOTS or test-results/screenshots>/<suite>`
 * (test-results/ is git-ignored), emptied first so that it holds this run's screens only. Prints
 * the folder, so a reader of the run's output knows where to look.
 */
export function screenshotDir(suite: string): string {
  const dir = join(process.env.CBM_SCREENSHOTS ?? join(import.meta.dirname, '../../test-results/screenshots'), suite);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`screenshots of ${suite}: ${dir}\n`);
  return dir;
}

/** A screenshot of the whole page, from its top (the sticky header would stand over the middle of a scrolled page's picture). */
export async function shoot(page: Page, dir: string, name: string): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** How wide the page's content is: wider than the viewport, the page scrolls sideways (something sticks out). */
export function contentWidth(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
}

/** A browser profile of its own (cookies, storage) in Berlin's zone, as a person at the plant has. */
export async function newProfile(browser: Browser): Promise<BrowserContext> {
  const profile = await browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  // A step that does not happen fails with what it waited for, well within the test's own timeout.
  profile.setDefaultTimeout(15_000);
  return profile;
}

/**
 * Logs in through the page's form as a person does, and waits for the overview to greet the
 * user: the session cookie stays with the profile, so later pages of it are logged in.
 */
export async function logIn(profile: BrowserContext, url: string, user: string, password: string): Promise<Page> {
  const page = await profile.newPage();
  await page.goto(`${url}/#/login`);
  await page.fill('input[name="user"]', user);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.locator('[data-testid="who"]', { hasText: user }).waitFor();
  await page.locator('[data-testid="overview"]').waitFor();
  return page;
}

export interface Login {
  user: string;
  role: string;
  password: string;
}

/**
 * One browser profile per role, each logged in through the form the first time it is asked for:
 * `as(role, hash)` opens a new tab of that role's profile at `#<hash>`.
 */
export function rolePages(browser: Browser, url: () => string, users: readonly Login[]) {
  const profiles = new Map<string, BrowserContext>();
  return {
    profiles,
    async as(role: string, hash: string): Promise<Page> {
      let profile = profiles.get(role);
      let page: Page;
      if (!profile) {
        profiles.set(role, (profile = await newProfile(browser)));
        const u = users.find((x) => x.role === role);
        if (!u) throw new Error(`no user of role ${role}`);
        page = await logIn(profile, url(), u.user, u.password);
      } else page = await profile.newPage();
      await page.goto(`${url()}/#${hash}`);
      return page;
    },
  };
}

/** A command from inside the page, as its own code sends it: session cookie and CSRF token. */
export function pageCommand(page: Page, path: string, body: unknown = {}) {
  return page.evaluate(
    async ([p, b]) => {
      // The page keeps its CSRF token (from POST /api/login or GET /api/me) in the tab's sessionStorage.
      const csrf = (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('cbm-csrf') ?? '';
      const r = await fetch(p, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: b });
      return { status: r.status, body: (await r.json()) as { code?: string; message?: string } };
    },
    [path, JSON.stringify(body)] as const,
  );
}
