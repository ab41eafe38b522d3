import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { ensureWebBuilt } from '../../gateway/web/build.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { startGateway, writeSite } from '../helpers/gateway.js';
import { DESKTOP, launchChromium, newProfile, PHONE, rolePages, screenshotDir, shoot } from './browser.js';
import { CMMS_SECRET, PinnableClock, plantHistory, plantRules, plantSite, PLANT_USERS, seedUsers } from './plant.js';

/**
 * What the page shows that the demo (test/e2e/demo.test.ts, where the acknowledge, the rule edit,
 * the overview and the asset chart are tried) does not bring about in its run: the login form's
 * refusal, the predicted crossing of a trend rule within the chart, an order the CMMS completed
 * with its notes, the orders' filters. In Debian's Chromium driven by playwright-core, against a
 * gateway with authentication on, fed six hours of simulated plant data and delivering its work
 * orders to a CMMS webhook receiver. Screenshots go to test-results/screenshots/dashboard (or
 * $CBM_SCREENSHOTS/dashboard).
 */
const shots = screenshotDir('dashboard');

describe('the page in Chromium, logged in', () => {
  let gw: Gateway;
  let cmms: WebhookReceiver;
  let browser: Browser;
  let url: string;
  /** A viewer's API token, for the test's own reads. */
  let reader: string;
  let pages: ReturnType<typeof rolePages>;
  const as = (role: string, hash: string) => pages.as(role, hash);

  const read = async <T,>(path: string): Promise<T> => (await (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${reader}` } })).json()) as T;

  beforeAll(async () => {
    await ensureWebBuilt();
    cmms = new WebhookReceiver({ secret: CMMS_SECRET });
    await cmms.start(0);
    const { dir, file } = writeSite(plantSite(cmms.url), plantRules);
    await seedUsers(dir);
    const clock = new PinnableClock();
    const now = Date.now();
    clock.pinned = now - 6 * 3_600_000;
    gw = await startGateway(file, { clock });
    url = gw.apiAddress!;
    reader = gw.view.access.tokens.create({ name: 'e2e-reader', role: 'viewer', createdBy: 'e2e' }).token;
    for (const batch of plantHistory(now)) {
      clock.pinned = batch[0]!.ts;
      gw.ingest(batch);
    }
    clock.pinned = undefined;
    // The CMMS took Pump 102's vibration order 20 minutes after it was made and completed it 95
    // minutes later, with the technician's notes; it reports with an API token of role technician.
    const cmmsToken = gw.view.access.tokens.create({ name: 'cmms', role: 'technician', createdBy: 'e2e' }).token;
    const order = await read<{ id: string; createdAt: string }[]>('/api/work-orders?asset=p-102');
    const made = Date.parse(order[0]!.createdAt);
    for (const [status, after, notes] of [
      ['in_progress', 20, undefined],
      ['completed', 115, 'Coupling realigned, bolts torqued; vibration back to 1.9 mm/s.'],
    ] as const) {
      const at = new Date(made + after * 60_000).toISOString();
      const r = await fetch(`${url}/api/work-orders/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cmmsToken}` },
        body: JSON.stringify({ id: order[0]!.id, status, notes, technician: 'J. Weber', at }),
      });
      expect(r.status).toBe(200);
    }
    browser = await launchChromium();
    pages = rolePages(browser, () => url, PLANT_USERS);
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await cmms?.stop();
  });

  it('asks for a login, says so when the password is wrong, and greets the user with their role', async () => {
    const profile = await newProfile(browser);
    const page = await profile.newPage();
    await page.setViewportSize(PHONE);
    await page.goto(`${url}/`);
    await page.locator('form.login').waitFor();
    expect(new URL(page.url()).hash).toBe('#/login');
    await page.fill('input[name="user"]', 'vera');
    await page.fill('input[name="password"]', 'not her password');
    await page.click('button[type="submit"]');
    expect(await page.locator('form.login [role="alert"]').textContent()).toBe('Wrong user name or password.');
    await shoot(page, shots, 'login-phone');
    await page.fill('input[name="password"]', PLANT_USERS[0].password);
    await page.click('button[type="submit"]');
    await page.locator('[data-testid="overview"]').waitFor();
    expect(await page.locator('[data-testid="who"]').textContent()).toMatch(/vera\s*\(viewer\)/);
    // The page follows GET /api/events (server-sent events) with the session cookie.
    await page.locator('.live.events').waitFor();
    pages.profiles.set('viewer', profile);
    await page.close();
  });

  it('the asset page charts local history with the rule limit and the predicted crossing, and the order history with the CMMS notes', async () => {
    const page = await as('viewer', '/asset/p-101');
    const chart = page.locator('[data-tag="bearing_temp"] .chart');
    // Six hours of one-minute points from the local history (the 24 h range shows all of them).
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(300);
    expect(await chart.getAttribute('data-limits')).toBe('85');
    expect(await chart.locator('canvas').count()).toBe(1);
    const legend = await page.locator('[data-tag="bearing_temp"] .u-legend').textContent();
    expect(legend).toContain('limit 85 °C (P2 Bearing temperature high)');
    expect(legend).toContain('trend → 95 °C');
    // The trend rule's predicted crossing of 95 °C lies ahead, within the chart.
    expect(Date.parse((await chart.getAttribute('data-crossing'))!)).toBeGreaterThan(Date.now());
    const reasons = await page.locator('[data-testid="reasons"]').textContent();
    expect(reasons).toContain('P2 alarm Bearing temperature high');
    expect(reasons).toMatch(/predicted to reach 95 °C/);
    expect(await page.locator('[data-tag="bearing_temp"] .reading').textContent()).toMatch(/\d °C/);
    expect(await page.locator('[data-tag="flow"] .reading').textContent()).toContain('m³/h');
    await shoot(page, shots, 'asset-desktop');
    await page.setViewportSize(PHONE);
    await shoot(page, shots, 'asset-phone');
    await page.goto(`${url}/#/asset/p-102`);
    const row = page.locator('#orders tr[data-status="completed"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Coupling realigned');
    await row.locator('summary').click();
    expect(await row.locator('details').textContent()).toMatch(/in progress by J\. Weber/);
    // Delivered to the CMMS, which numbered it.
    expect(await row.locator('.deliveries').textContent()).toMatch(/delivered.*WO-\d+/);
    await page.setViewportSize(DESKTOP);
    await shoot(page, shots, 'asset-history-desktop');
    await page.close();
  });

  it('work orders: KPIs, filters, the CMMS status and the delivery', async () => {
    const page = await as('viewer', '/orders');
    await page.locator('[data-testid="maintenance-kpis"]').waitFor();
    expect(await page.locator('tr[data-order]').count()).toBeGreaterThanOrEqual(3);
    await page.selectOption('label:has-text("CMMS") select', 'completed');
    await expect.poll(() => page.locator('tr[data-order]').count()).toBe(1);
    await page.setViewportSize(PHONE);
    await shoot(page, shots, 'orders-phone');
    await page.setViewportSize(DESKTOP);
    await page.selectOption('label:has-text("CMMS") select', '');
    await shoot(page, shots, 'orders-desktop');
    await page.close();
  });
});
