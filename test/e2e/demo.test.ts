import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/servers.js';
import { contentWidth, DESKTOP, launchChromium, pageCommand, PHONE, rolePages, screenshotDir, shoot } from './browser.js';
import { drawnLines } from './canvas.js';
import { apiLogin, DEMO_USERS, ensureDemoBuilt, startDemo, type RunningDemo } from './demo-process.js';

/**
 * `npm run demo` as its users meet it: the built demo started with --fresh (its own data dir and
 * free ports), its plant of fourteen machines on an hour a second, its CMMS receiver and its
 * users, one per role, logged in through the page's form in Debian's Chromium (playwright-core).
 * The cases run in the demo's time order: the engineer's rule edit and the acknowledge while
 * P-101's bearing wears, the overview and P-101's asset page once the demo has degraded it.
 * Screenshots at desktop and phone width of every screen go to test-results/screenshots/demo
 * (or $CBM_SCREENSHOTS/demo).
 */
const shots = screenshotDir('demo');

/** The page at phone width, its screenshot, and nothing sticking out sideways. */
async function atPhone(page: Page, name: string): Promise<void> {
  await page.setViewportSize(PHONE);
  await shoot(page, shots, name);
  expect(await contentWidth(page), `${name}: the page scrolls sideways`).toBeLessThanOrEqual(PHONE.width);
}

/** What the demo's CMMS receiver answers on GET /work-orders. */
interface Received {
  key: string;
  externalId: string;
  receivedAt: number;
  body: {
    title?: string;
    description?: string;
    asset?: { id?: string };
    rule?: { id?: string };
    evidence?: { limits?: { tag: string; limit: number }[] };
  };
}

interface AssetView {
  tags: { id: string; value: number | null }[];
  activeAlarms: { rule: string; acknowledged: boolean }[];
}

/** The fan whose filter the demo loads with dust, and the limit the engineer lowers its filter rule to (it passes it within the demo's first plant hours). */
const FAN = 'f-302';
const NEW_LIMIT = 125;

describe('npm run demo in Chromium', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let read: <T>(path: string) => Promise<T>;
  let pages: ReturnType<typeof rolePages>;
  const as = (role: string, hash: string) => pages.as(role, hash);
  const received = async () => (await (await fetch(`${demo.cmmsUrl}/work-orders`)).json()) as Received[];

  beforeAll(async () => {
    await ensureDemoBuilt();
    [demo, browser] = await Promise.all([startDemo(), launchChromium()]);
    read = await apiLogin(demo.url, 'viewer', 'viewer-demo');
    pages = rolePages(browser, () => demo.url, DEMO_USERS);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('an engineer edits a rule: problems marked as typed, the dry run lists when it would have fired, the save makes the next order, the audit log shows the change', async () => {
    const page = await as('engineer', '/rules/rules/demo/filters.yaml');
    const editor = page.locator('[data-testid="editor"] .cm-content');
    await editor.waitFor();
    const check = page.locator('[data-testid="check"]');
    const save = page.getByRole('button', { name: 'Save and reload' });
    // A typo is marked with its line as it is typed, and the save is held back.
    await page.locator('.cm-line', { hasText: 'fact: filter_dp' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type('x');
    await expect.poll(() => check.getAttribute('data-ok')).toBe('false');
    expect(await check.locator('.problems').textContent()).toMatch(/line \d+/);
    expect(await save.isDisabled()).toBe(true);
    await page.keyboard.press('Backspace');
    await expect.poll(() => check.getAttribute('data-ok')).toBe('true');
    // The filter change limit from 250 Pa down to 125, typed over the number as a person does.
    const line = page.locator('.cm-line', { hasText: 'value: 250' });
    const text = (await line.textContent())!;
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Home'); // to the end of the indentation
    for (let i = text.length - text.trimStart().length; i < text.indexOf('250'); i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type(String(NEW_LIMIT));
    await expect.poll(() => check.getAttribute('data-ok')).toBe('true');
    expect(await page.locator('.cm-line', { hasText: `value: ${NEW_LIMIT}, params` }).count()).toBe(1);

    // F-302's filter loads from about 110 Pa (the other fans' stay under 120), a few Pa up and
    // down from one minute to the next. Once its last plant hour lies above the new limit, the dry
    // run finds the rule's 30-minute on-delay met and the save makes an order at once, while the
    // old limit (250 Pa) lies days of plant time ahead.
    await waitFor(
      `${FAN}'s filter_dp above ${NEW_LIMIT} Pa for an hour`,
      async () => {
        const h = await read<{ points: { avg: number }[] }>(`/api/assets/${FAN}/tags/filter_dp/history?resolution=1m`);
        const hour = h.points.slice(-60);
        return (hour.length === 60 && hour.every((p) => p.avg > NEW_LIMIT)) || undefined;
      },
      60_000,
      250,
    );

    await page.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.locator('[data-testid="dry-run"]');
    await page.locator('[data-testid="dry-run"], .card [role="alert"]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.card [role="alert"]').allTextContents()).toEqual([]);
    const fired = dry.locator('tr[data-event="workorder"]', { hasText: 'F-302' });
    expect(await fired.count()).toBeGreaterThan(0);
    // When: a time of the replayed hours, in the browser's zone.
    expect(await fired.first().locator('td').first().textContent()).toMatch(/\d{2}:\d{2}/);
    expect(await dry.textContent()).toMatch(/[1-9]\d* work orders?/);

    const before = new Set((await received()).map((o) => o.key));
    await save.click();
    await page.locator('.ok', { hasText: 'saved' }).waitFor();
    // The next order the CMMS receives is the edited rule's, for F-302, at the new limit.
    const next = await waitFor('an order after the save', async () => (await received()).filter((o) => !before.has(o.key)).sort((a, b) => a.receivedAt - b.receivedAt)[0], 20_000, 100);
    expect(next.body.rule?.id).toBe('filter-dp-high');
    expect(next.body.asset?.id).toBe(FAN);
    expect(next.body.evidence?.limits?.find((l) => l.tag === 'filter_dp')?.limit).toBe(NEW_LIMIT);
    expect(next.body.description).toContain(`Above ${NEW_LIMIT} Pa`);
    await shoot(page, shots, 'rules-dry-run-desktop');
    // The gateway's own orders list has it, delivered under the number the CMMS gave it.
    const delivered = async () => (await read<{ rule: { id: string }; deliveries: { externalId: string | null }[] }[]>(`/api/work-orders?asset=${FAN}`)).filter((o) => o.rule.id === 'filter-dp-high').flatMap((o) => o.deliveries.map((x) => x.externalId));
    await expect.poll(delivered).toContain(next.externalId);

    // The demo's copy of the rules changed, the shipped file did not.
    expect(readFileSync(join(demo.dataDir, 'rules/demo/filters.yaml'), 'utf8')).toContain(`value: ${NEW_LIMIT},`);
    expect(readFileSync(join(import.meta.dirname, '../../rules/demo/filters.yaml'), 'utf8')).toContain('value: 250,');

    // The file's changes on the page: who saved, and the text before and after.
    const audit = page.locator('[data-testid="audit"] tr[data-action="rule.save"]').first();
    await audit.waitFor();
    expect(await audit.textContent()).toContain('engineer');
    await audit.locator('summary').click();
    const change = await audit.locator('.diff').textContent();
    expect(change).toMatch(/-.*value: 250,/);
    expect(change).toMatch(new RegExp(`\\+.*value: ${NEW_LIMIT},`));
    await shoot(page, shots, 'rules-desktop');
    await atPhone(page, 'rules-phone');
    await page.close();
  }, 90_000);

  it("a technician acknowledges the alarm the edit raised; a viewer's button says what role it needs and the API answers 403; the viewer's console follows live", async () => {
    const alarm = `filter-dp-high@${FAN}`;
    const viewer = await as('viewer', `/asset/${FAN}`);
    const row = viewer.locator(`tr[data-alarm="${alarm}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('unacknowledged');
    const button = row.getByRole('button', { name: 'Acknowledge' });
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toBe('needs the technician role');
    const refused = await pageCommand(viewer, `/api/alarms/filter-dp-high/${FAN}/ack`);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CBM_ERR_FORBIDDEN');
    const ackedInApi = async () => (await read<AssetView>(`/api/assets/${FAN}`)).activeAlarms.find((a) => a.rule === 'filter-dp-high')?.acknowledged;
    expect(await ackedInApi()).toBe(false);
    await viewer.close();

    // The viewer's alarms console, open while the technician acknowledges (GET /api/events).
    const watching = await as('viewer', '/alarms');
    const seen = watching.locator(`tr[data-alarm="${alarm}"]`);
    expect(await seen.getAttribute('data-state')).toBe('unacknowledged');
    await watching.locator('.live.events').waitFor();

    const tech = await as('technician', `/asset/${FAN}`);
    const techRow = tech.locator(`tr[data-alarm="${alarm}"]`);
    await techRow.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(async () => (await tech.locator('[role="alert"]').allTextContents()).join() || techRow.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    expect(await ackedInApi()).toBe(true);
    await expect.poll(() => seen.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    const audit = await read<{ actor: string; target: string; before: { acknowledged: boolean }; after: { acknowledged: boolean } }[]>('/api/audit?action=alarm.acknowledge');
    expect(audit[0]).toMatchObject({ actor: 'technician', target: alarm, before: { acknowledged: false }, after: { acknowledged: true } });
    await tech.close();
    await watching.close();
  });

  it('a viewer reads the rules but may not run or save them', async () => {
    const page = await as('viewer', '/rules/rules/demo/filters.yaml');
    await page.locator('[data-testid="editor"] .cm-content').waitFor();
    expect(await page.getByRole('button', { name: 'Save and reload' }).getAttribute('title')).toBe('needs the engineer role');
    expect(await page.getByRole('button', { name: 'Dry run' }).isDisabled()).toBe(true);
    await page.close();
  });

  it('the overview shows the degrading pump P-101 worst, once the demo has degraded it', async () => {
    // The demo prints it: P-101's vibration trend rule orders a bearing change.
    await demo.printed(/Cooling water pump P-101: vibration-trend-zone-d raised, work order created/, 120_000);
    const page = await as('viewer', '/');
    const tile = page.locator('a.tile[data-asset="p-101"]');
    await tile.waitFor();
    const scores = () => page.locator('a.tile').evaluateAll((els) => els.map((e) => ({ asset: e.getAttribute('data-asset'), score: Number(e.getAttribute('data-score')) })));
    await expect.poll(async () => [...(await scores())].sort((a, b) => a.score - b.score)[0]?.asset, { timeout: 60_000 }).toBe('p-101');
    expect(await scores()).toHaveLength(14);
    expect(await page.locator('.summary').first().textContent()).toContain('Worst: Cooling water pump P-101');
    expect(await tile.getAttribute('class')).toMatch(/\b(act|watch)\b/);
    expect(await tile.textContent()).toMatch(/open order/);
    // Health reasons speak °C, not degC.
    expect(await page.locator('main').textContent()).not.toContain('degC');
    await shoot(page, shots, 'overview-desktop');
    await atPhone(page, 'overview-phone');
    await page.close();
  }, 150_000);

  it("P-101's asset page charts its bearing temperature from the local history, with the rule's limit line drawn by uPlot", async () => {
    const page = await as('viewer', '/asset/p-101');
    const card = page.locator('[data-tag="bearing_temp"]');
    const chart = card.locator('.chart');
    // A day of one-minute points (the 24 h range).
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(600);
    expect(await chart.getAttribute('data-limits')).toBe('85');
    // uPlot's own legend: the value series and the limit as a series of its own.
    expect(await card.locator('.u-legend').textContent()).toContain('limit 85 °C (P2 Bearing temperature high)');
    const drawn = await drawnLines(page, '[data-tag="bearing_temp"]');
    // The value line runs across most of the plot; the limit is a horizontal line across it, above
    // where the bearing ran at the start of the day shown (well under 85 °C).
    expect(drawn.valueColumns).toBeGreaterThan(drawn.width * 0.5);
    const limit = drawn.limits.find((l) => l.label.startsWith('limit 85'))!;
    expect(limit.rowPixels).toBeGreaterThan(drawn.width * 0.3);
    expect(limit.y).toBeLessThan(drawn.valueFirstY);
    // The vibration's chart draws the trend its rules read.
    expect(await page.locator('[data-tag="vibration"] .u-legend').textContent()).toContain('trend → 4.5 mm/s');
    await shoot(page, shots, 'asset-desktop');
    await atPhone(page, 'asset-phone');
    await page.close();
  });

  it('the alarms console, the orders and the audit log with the rule change and the acknowledge, at desktop and phone width', async () => {
    const alarms = await as('viewer', '/alarms');
    await alarms.locator('tr[data-alarm^="vibration-trend-zone-d@p-101"], tr[data-alarm^="iso10816-g2-rigid-zone-c@p-101"]').first().waitFor();
    await alarms.locator('[data-kpi="per-day"]').waitFor();
    expect(await alarms.locator('.mix').textContent()).toContain('guideline 80 %');
    await shoot(alarms, shots, 'alarms-desktop');
    await atPhone(alarms, 'alarms-phone');
    await alarms.close();

    const orders = await as('viewer', '/orders');
    await orders.locator('[data-testid="maintenance-kpis"]').waitFor();
    await expect.poll(() => orders.locator('tr[data-order]').count()).toBeGreaterThanOrEqual(3);
    expect(await orders.locator('main').textContent()).toContain('Cooling water pump P-101');
    await shoot(orders, shots, 'orders-desktop');
    await atPhone(orders, 'orders-phone');
    await orders.close();

    const audit = await as('viewer', '/rules');
    const saved = audit.locator('[data-testid="audit"] tr[data-action="rule.save"]').first();
    await saved.waitFor();
    expect(await saved.textContent()).toContain('engineer');
    await saved.locator('summary').click();
    expect(await saved.locator('.diff').textContent()).toMatch(new RegExp(`\\+.*value: ${NEW_LIMIT},`));
    const acked = audit.locator('[data-testid="audit"] tr[data-action="alarm.acknowledge"]').first();
    expect(await acked.textContent()).toContain('technician');
    await acked.locator('summary').click();
    expect(await acked.locator('.diff').textContent()).toMatch(/acknowledged: false → true/);
    await audit.setViewportSize(DESKTOP);
    await shoot(audit, shots, 'audit-desktop');
    await atPhone(audit, 'audit-phone');
    await audit.close();
  });
});
