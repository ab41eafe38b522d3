import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { ensureWebBuilt } from '../../gateway/web/build.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { startGateway, writeSite } from '../helpers/gateway.js';
import { DESKTOP, launchChromium, logIn, newProfile, PHONE, screenshotDir, shoot } from './browser.js';
import { CMMS_SECRET, PinnableClock, plantHistory, plantRules, plantSite, PLANT_USERS, seedUsers, type PlantRole } from './plant.js';

/**
 * The page as a maintenance lead, a technician and a plant engineer use it, in Debian's Chromium
 * driven by playwright-core, against a running gateway with authentication on (one user per role,
 * logged in through the page's form), fed six hours of simulated plant data and delivering its
 * work orders to a CMMS webhook receiver. Screenshots of every screen at desktop and phone width
 * go to $CBM_SCREENSHOTS (else the run's temporary root).
 */
const shots = screenshotDir();

describe('the page in Chromium, logged in', () => {
  let gw: Gateway;
  let cmms: WebhookReceiver;
  let browser: Browser;
  let url: string;
  /** A viewer's API token, for the test's own reads. */
  let reader: string;
  const profiles = new Map<PlantRole, BrowserContext>();

  /** A new tab of the role's browser profile (logged in through the form the first time). */
  async function as(role: PlantRole, hash: string): Promise<Page> {
    let profile = profiles.get(role);
    let page: Page;
    if (!profile) {
      profiles.set(role, (profile = await newProfile(browser)));
      const u = PLANT_USERS.find((x) => x.role === role)!;
      page = await logIn(profile, url, u.user, u.password);
      await page.goto(`${url}/#${hash}`);
    } else {
      page = await profile.newPage();
      await page.goto(`${url}/#${hash}`);
    }
    return page;
  }

  const read = async <T,>(path: string): Promise<T> => (await (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${reader}` } })).json()) as T;

  /** A command from inside the page, as its own code sends it: session cookie and CSRF token. */
  const command = (page: Page, path: string, body: unknown = {}) =>
    page.evaluate(
      async ([p, b]) => {
        // The page keeps its CSRF token (from POST /api/login or GET /api/me) in the tab's sessionStorage.
        const csrf = (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('cbm-csrf') ?? '';
        const r = await fetch(p, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: b });
        return { status: r.status, body: (await r.json()) as { code?: string; message?: string } };
      },
      [path, JSON.stringify(body)] as const,
    );

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
    profiles.set('viewer', profile);
    await page.close();
  });

  it('the overview shows the degrading pump worst, with its alarms and orders', async () => {
    const page = await as('viewer', '/');
    const tile = page.locator('a.tile[data-asset="p-101"]');
    await tile.waitFor();
    const scores = await page.locator('a.tile').evaluateAll((els) => els.map((e) => [e.getAttribute('data-asset'), Number(e.getAttribute('data-score'))] as const));
    expect(scores).toHaveLength(5);
    const worst = [...scores].sort((a, b) => a[1] - b[1])[0]!;
    expect(worst[0]).toBe('p-101');
    expect(await tile.getAttribute('class')).toContain('act');
    // Worst first within its line, and named as the site's worst.
    expect(await page.locator('[data-node="raw-water"] a.tile').first().getAttribute('data-asset')).toBe('p-101');
    expect(await page.locator('.summary').first().textContent()).toContain('Worst: Pump 101');
    expect(await tile.textContent()).toMatch(/1× P2/);
    expect(await tile.textContent()).toMatch(/open order/);
    // Health reasons speak °C, not degC.
    expect(await page.locator('main').textContent()).not.toContain('degC');
    await shoot(page, shots, 'overview-desktop');
    await page.setViewportSize(PHONE);
    await shoot(page, shots, 'overview-phone');
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

  it('a viewer cannot acknowledge: the button is disabled with the role it needs, and the API answers 403', async () => {
    const page = await as('viewer', '/asset/p-101');
    const row = page.locator('tr[data-alarm="bearing-hot@p-101"]');
    await row.waitFor();
    const button = row.getByRole('button', { name: 'Acknowledge' });
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toBe('needs the technician role');
    const refused = await command(page, '/api/alarms/bearing-hot/p-101/ack');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CBM_ERR_FORBIDDEN');
    expect(await row.getAttribute('data-state')).toBe('unacknowledged');
    await page.close();
  });

  it("a technician acknowledges on the asset page: the alarm's state changes, a viewer's console follows live, the audit log names the technician", async () => {
    const watching = await as('viewer', '/alarms');
    const seen = watching.locator('tr[data-alarm="bearing-hot@p-101"]');
    expect(await seen.getAttribute('data-state')).toBe('unacknowledged');
    await watching.locator('.live.events').waitFor();

    const page = await as('technician', '/asset/p-101');
    const row = page.locator('tr[data-alarm="bearing-hot@p-101"]');
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('unacknowledged');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('acknowledged');
    const api = await read<{ alarms: { rule: string; acknowledged: boolean }[] }>('/api/alarms?asset=p-101');
    expect(api.alarms.find((a) => a.rule === 'bearing-hot')?.acknowledged).toBe(true);
    // The viewer's console, open meanwhile, shows it without a reload (GET /api/events).
    await expect.poll(() => seen.getAttribute('data-state'), { timeout: 15_000 }).toBe('acknowledged');
    const audit = await read<{ actor: string; action: string; target: string; before: { acknowledged: boolean }; after: { acknowledged: boolean } }[]>('/api/audit?action=alarm.acknowledge');
    expect(audit[0]).toMatchObject({ actor: 'tom', target: 'bearing-hot@p-101', before: { acknowledged: false }, after: { acknowledged: true } });
    await page.close();

    await watching.locator('[data-kpi="per-day"]').waitFor();
    expect(await watching.locator('.mix').textContent()).toContain('guideline 80 %');
    await shoot(watching, shots, 'alarms-desktop');
    await watching.setViewportSize(PHONE);
    await shoot(watching, shots, 'alarms-phone');
    await watching.close();
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

  it('an engineer edits a rule: problems marked as typed, the dry run lists when it would have fired, the save makes the next order, the audit log shows who and what changed', async () => {
    const page = await as('engineer', '/rules');
    await page.locator('.files a', { hasText: 'rules/rules.yaml' }).click();
    const editor = page.locator('[data-testid="editor"] .cm-content');
    await editor.waitFor();
    // A typo is marked with its line, and the save is held back.
    const op = page.locator('.cm-line', { hasText: /^\s*operator: greaterThan$/ }).first();
    await op.click();
    await page.keyboard.press('End');
    await page.keyboard.type('x');
    await expect.poll(() => page.locator('[data-testid="check"]').getAttribute('data-ok')).toBe('false');
    expect(await page.locator('[data-testid="check"] .problems').textContent()).toMatch(/line \d+/);
    expect(await page.getByRole('button', { name: 'Save and reload' }).isDisabled()).toBe(true);
    await shoot(page, shots, 'rules-problem-desktop');
    await page.keyboard.press('Backspace');
    // Lower the bearing alarm limit from 85 to 55 °C (Pump 103 runs at 58 °C), typing as a person would.
    const line = page.locator('.cm-line', { hasText: /^\s*value: 85$/ }).first();
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('55');
    await expect.poll(() => page.locator('[data-testid="check"]').getAttribute('data-ok')).toBe('true');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.locator('[data-testid="dry-run"]');
    await dry.waitFor();
    const fired = dry.locator('tr[data-event="workorder"]', { hasText: 'Pump 103' });
    expect(await fired.count()).toBeGreaterThan(0);
    // When: a time of the replayed hours, in the browser's zone.
    expect(await fired.first().locator('td').first().textContent()).toMatch(/\d{2}:\d{2}/);
    await shoot(page, shots, 'rules-dry-run-desktop');

    const before = cmms.orders.size;
    await page.getByRole('button', { name: 'Save and reload' }).click();
    await page.locator('.ok', { hasText: 'saved' }).waitFor();
    // The plant's next sample of Pump 103 (58.5 °C) is above the new limit: an order, delivered to the CMMS.
    gw.ingest([{ tag: 'p-103/bearing_temp', ts: Date.now(), value: 58.5, quality: 'Good' }]);
    await expect.poll(() => [...cmms.orders.values()].map((o) => o.body['title'])).toContain('Bearing 58.5 °C on Pump 103');
    expect(cmms.orders.size).toBeGreaterThan(before);

    const audit = page.locator('[data-testid="audit"] tr[data-action="rule.save"]').first();
    await audit.waitFor();
    expect(await audit.textContent()).toContain('erin');
    await audit.locator('summary').click();
    const change = await audit.locator('.diff').textContent();
    expect(change).toMatch(/-\s*value: 85/);
    expect(change).toMatch(/\+\s*value: 55/);
    await shoot(page, shots, 'rules-desktop');
    await page.setViewportSize(PHONE);
    await shoot(page, shots, 'rules-phone');
    await page.close();
  });

  it('a viewer reads the rules but may not run or save them', async () => {
    const page = await as('viewer', '/rules/rules/rules.yaml');
    await page.locator('[data-testid="editor"] .cm-content').waitFor();
    expect(await page.getByRole('button', { name: 'Save and reload' }).getAttribute('title')).toBe('needs the engineer role');
    expect(await page.getByRole('button', { name: 'Dry run' }).isDisabled()).toBe(true);
    await shoot(page, shots, 'rules-viewer-desktop');
    await page.close();
  });
});
