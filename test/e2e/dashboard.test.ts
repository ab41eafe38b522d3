import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { tempDir } from '../helpers/servers.js';

/**
 * What a maintenance lead sees: the dashboard in a real Chromium (Debian's, driven by
 * playwright-core) shows each asset's health and values and the work orders with their delivery.
 */
describe('dashboard in Chromium', () => {
  let gw: Gateway;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(2, { api: { port: 0 } }), [bearingRule]);
    gw = await startGateway(file);
    url = gw.apiAddress!;
    const now = Date.now();
    gw.ingest([
      { tag: 'p-1/bearing_temp', ts: now, value: 66.5, quality: 'Good' },
      { tag: 'p-2/bearing_temp', ts: now, value: 88.25, quality: 'Good' },
      { tag: 'p-2/vibration', ts: now, value: 250, quality: 'Good' }, // out of range: Bad
    ]);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('shows asset health, latest values and the work order', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const p2 = page.locator('tr[data-asset="p-2"]');
    await p2.waitFor();
    await expect.poll(() => p2.locator('td').nth(1).textContent()).toBe('alarm');
    expect(await p2.textContent()).toContain('88.25 degC');
    expect(await p2.locator('.bad').textContent()).toContain('vibration: 250');
    expect(await page.locator('tr[data-asset="p-1"] td').nth(1).textContent()).toBe('ok');
    const order = page.locator('#orders tbody tr').first();
    expect(await order.textContent()).toContain('Bearing 88.25 °C on Pump 2');
    expect(await page.locator('#health').textContent()).toMatch(/gateway (ok|degraded)/);
    // Set CBM_SCREENSHOTS=DIR to keep the screenshot for a look; otherwise it goes with the run's temporary root.
    await page.screenshot({ path: join(process.env.CBM_SCREENSHOTS ?? tempDir('screenshots'), 'dashboard.png'), fullPage: true });
  });
});
