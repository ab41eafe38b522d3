import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from '../helpers/servers.js';

/** Debian's Chromium driven by playwright-core, as the e2e tests use it. */
export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where screenshots go: $CBM_SCREENSHOTS, else a folder in the test run's temporary root. */
export function screenshotDir(): string {
  const dir = process.env.CBM_SCREENSHOTS ?? tempDir('screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function shoot(page: Page, dir: string, name: string): Promise<void> {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
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
