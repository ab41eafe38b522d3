import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { ensureWebBuilt } from '../../gateway/web/build.js';
import { startGateway, writeSite } from '../helpers/gateway.js';
import { tempDir } from '../helpers/servers.js';
import { PinnableClock, plantHistory, plantRules, plantSite } from './plant.js';

/**
 * The page as a maintenance lead and a plant engineer use it, in Debian's Chromium driven by
 * playwright-core, against a running gateway fed six hours of simulated plant data. Screenshots of
 * every screen at desktop and phone width go to $CBM_SCREENSHOTS (else the run's temporary root).
 *
 * Tests marked `it.skip` need routes other branches of issue 17 add (named in each); they are
 * written against the API contract and are switched on when those routes are merged.
 */
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const shots = process.env.CBM_SCREENSHOTS ?? tempDir('screenshots');
mkdirSync(shots, { recursive: true });

describe('the page in Chromium', () => {
  let gw: Gateway;
  let browser: Browser;
  let url: string;

  async function open(hash: string, size = DESKTOP): Promise<Page> {
    const page = await browser.newPage({ viewport: size, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    await page.goto(`${url}/#${hash}`);
    return page;
  }

  async function shoot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    await ensureWebBuilt();
    const { file } = writeSite(plantSite(), plantRules);
    const clock = new PinnableClock();
    const now = Date.now();
    clock.pinned = now - 6 * 3_600_000;
    gw = await startGateway(file, { clock });
    url = gw.apiAddress!;
    for (const batch of plantHistory(now)) {
      clock.pinned = batch[0]!.ts;
      gw.ingest(batch);
    }
    clock.pinned = undefined;
    // The CMMS took Pump 102's vibration order 20 minutes after it was made and completed it 95
    // minutes later, with the technician's notes.
    const order = (await (await fetch(`${url}/api/work-orders?asset=p-102`)).json()) as { id: string; createdAt: string }[];
    const made = Date.parse(order[0]!.createdAt);
    for (const [status, after, notes] of [
      ['in_progress', 20, undefined],
      ['completed', 115, 'Coupling realigned, bolts torqued; vibration back to 1.9 mm/s.'],
    ] as const) {
      const at = new Date(made + after * 60_000).toISOString();
      const r = await fetch(`${url}/api/work-orders/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: order[0]!.id, status, notes, technician: 'J. Weber', at }) });
      expect(r.status).toBe(200);
    }
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('the overview shows the degrading pump worst, with its alarms and orders', async () => {
    const page = await open('/');
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
    await shoot(page, 'overview-desktop');
    await page.setViewportSize(PHONE);
    await shoot(page, 'overview-phone');
    await page.close();
  });

  it("the asset page charts each tag with its rule limits, and the order history with the CMMS's notes", async () => {
    const page = await open('/asset/p-101');
    const chart = page.locator('[data-tag="bearing_temp"] .chart');
    await expect.poll(() => chart.getAttribute('data-points')).not.toBeNull();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await chart.getAttribute('data-limits')).toBe('85');
    expect(await chart.locator('canvas').count()).toBe(1);
    expect(await page.locator('[data-tag="bearing_temp"] .u-legend').textContent()).toContain('limit 85 °C (P2 Bearing temperature high)');
    // The reasons list the alarm and the trend prediction.
    const reasons = await page.locator('[data-testid="reasons"]').textContent();
    expect(reasons).toContain('P2 alarm Bearing temperature high');
    expect(reasons).toMatch(/predicted to reach 95 °C/);
    expect(await page.locator('[data-tag="bearing_temp"] .reading').textContent()).toMatch(/\d °C/);
    expect(await page.locator('[data-tag="flow"] .reading').textContent()).toContain('m³/h');
    await shoot(page, 'asset-desktop');
    await page.setViewportSize(PHONE);
    await shoot(page, 'asset-phone');
    await page.close();

    const p2 = await open('/asset/p-102');
    const row = p2.locator('#orders tr[data-status="completed"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Coupling realigned');
    await row.locator('summary').click();
    expect(await row.locator('details').textContent()).toMatch(/in progress by J\. Weber/);
    await shoot(p2, 'asset-history-desktop');
    await p2.close();
  });

  it.skip('the chart draws local history and the predicted crossing (waits for GET /api/assets/:asset/tags/:tag/history)', async () => {
    const page = await open('/asset/p-101');
    const chart = page.locator('[data-tag="bearing_temp"] .chart');
    // Six hours of one-minute points (auto resolution: 1m up to 2 days); the 24 h range shows all of them.
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(300);
    expect(await chart.getAttribute('data-crossing')).toMatch(/^\d{4}-/);
    expect(await page.locator('[data-tag="bearing_temp"] .u-legend').textContent()).toContain('trend → 95 °C');
    await page.close();
  });

  it('a technician acknowledges an alarm on the asset page and its state changes', async () => {
    const page = await open('/asset/p-101');
    const row = page.locator('tr[data-alarm="bearing-hot@p-101"]');
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('unacknowledged');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('acknowledged');
    const api = (await (await fetch(`${url}/api/alarms?asset=p-101`)).json()) as { alarms: { rule: string; acknowledged: boolean }[] };
    expect(api.alarms.find((a) => a.rule === 'bearing-hot')?.acknowledged).toBe(true);
    await page.close();
  });

  it.skip('a viewer cannot acknowledge: the button is disabled and the API refuses (waits for POST /api/login, GET /api/me and role checks)', async () => {
    const page = await open('/login');
    await page.fill('input[name="user"]', 'viewer');
    await page.fill('input[name="password"]', 'viewer-password');
    await page.click('button[type="submit"]');
    await page.waitForURL(/#\/$/);
    await page.goto(`${url}/#/asset/p-101`);
    const row = page.locator('tr[data-alarm="vibration-zone-d@p-101"], tr[data-alarm="bearing-trend@p-101"]').first();
    await row.waitFor();
    const button = row.getByRole('button', { name: 'Acknowledge' });
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toBe('needs the technician role');
    const status = await page.evaluate(async () => (await fetch('/api/alarms/bearing-trend/p-101/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(status).toBe(403);
    await page.close();
  });

  it('the alarm console shows the alarms and the EEMUA 191 / ISA-18.2 KPIs; work orders show theirs', async () => {
    const page = await open('/alarms');
    await page.locator('[data-kpi="per-day"]').waitFor();
    expect(await page.locator('tr[data-alarm="bearing-hot@p-101"]').count()).toBe(1);
    expect(await page.locator('.mix').textContent()).toContain('guideline 80 %');
    await shoot(page, 'alarms-desktop');
    await page.setViewportSize(PHONE);
    await shoot(page, 'alarms-phone');
    await page.goto(`${url}/#/orders`);
    await page.locator('[data-testid="maintenance-kpis"]').waitFor();
    expect(await page.locator('tr[data-order]').count()).toBeGreaterThanOrEqual(3);
    await page.selectOption('label:has-text("CMMS") select', 'completed');
    await expect.poll(() => page.locator('tr[data-order]').count()).toBe(1);
    await shoot(page, 'orders-phone');
    await page.setViewportSize(DESKTOP);
    await page.selectOption('label:has-text("CMMS") select', '');
    await shoot(page, 'orders-desktop');
    await page.close();
  });

  it.skip('the rules screen says what is missing until the rules API is there; the login page renders', async () => {
    const page = await open('/rules');
    await page.locator('[data-testid="rules"]').waitFor();
    const missing = page.locator('[data-testid="not-available"]', { hasText: 'Rule editing' });
    await missing.waitFor();
    expect(await missing.textContent()).toContain('GET /api/rules/files');
    await shoot(page, 'rules-missing-desktop');
    await page.goto(`${url}/#/login`);
    await page.locator('form.login').waitFor();
    await page.setViewportSize(PHONE);
    await shoot(page, 'login-phone');
    await page.close();
  });

  it.skip('an engineer edits a rule, the dry run lists when it would have fired, the save makes the next order, the audit log shows it (waits for the rules API, GET /api/audit and POST /api/login)', async () => {
    const page = await open('/login');
    await page.fill('input[name="user"]', 'engineer');
    await page.fill('input[name="password"]', 'engineer-password');
    await page.click('button[type="submit"]');
    await page.waitForURL(/#\/$/);
    await page.goto(`${url}/#/rules/rules.yaml`);
    const editor = page.locator('[data-testid="editor"] .cm-content');
    await editor.waitFor();
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
    expect(await dry.locator('tr[data-event="workorder"]').count()).toBeGreaterThan(0);
    expect(await dry.textContent()).toContain('p-103');
    const before = ((await (await fetch(`${url}/api/work-orders?asset=p-103`)).json()) as unknown[]).length;
    await page.getByRole('button', { name: 'Save and reload' }).click();
    await page.locator('.ok', { hasText: 'saved' }).waitFor();
    gw.ingest([{ tag: 'p-103/bearing_temp', ts: Date.now(), value: 58.5, quality: 'Good' }]);
    await expect.poll(async () => ((await (await fetch(`${url}/api/work-orders?asset=p-103`)).json()) as unknown[]).length).toBe(before + 1);
    const audit = page.locator('[data-testid="audit"]');
    await expect.poll(() => audit.textContent()).toContain('rule.save');
    expect(await audit.textContent()).toContain('engineer');
    await shoot(page, 'rules-desktop');
    await page.close();
  });
});
