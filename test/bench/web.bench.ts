import { chromium } from 'playwright-core';
import type { SiteConfigInput } from '../../src/config/schema.js';
import { ensureWebBuilt } from '../../gateway/web/build.js';
import { startGateway, writeSite, type RuleInput } from '../helpers/gateway.js';
import { quick, report } from './report.js';

/**
 * The plant overview for 1,000 assets, rendered in Debian's Chromium (playwright-core, headless).
 *
 * Site: 5 areas × 4 lines × 50 pumps (1,000 assets, 2 tags each), a threshold rule (P2, > 85)
 * and a trend rule (P3, time to 95 within 72 h over 6 h) per pump; one sample per tag, 5 % of
 * the pumps above the limit, so 50 alarms and 50 open orders colour the tree. The gateway runs in
 * this process (API on a loopback port); the page is the production build (`dist/web`).
 *
 * Measured: from navigation start (`performance.timeOrigin`) to the first animation frame after
 * all 1,000 tiles are in the DOM, in a fresh browser context each time (no cached bundle or
 * answer), median of 7 runs (3 with --quick) after one warm-up; and, separately, the server's time
 * to answer `GET /api/health/tree` (median of 20, measured with fetch over loopback).
 */
const ASSETS = 1000;
const runs = quick ? 3 : 7;

function site(): Omit<SiteConfigInput, 'rules'> {
  const areas = Array.from({ length: 5 }, (_, a) => ({ id: `a${a}`, name: `Area ${a + 1}`, lines: Array.from({ length: 4 }, (_, l) => ({ id: `l${l}`, name: `Line ${l + 1}` })) }));
  return {
    gateway: { id: 'bench-gw', dataDir: './data', logLevel: 'silent' },
    site: { id: 'bench', name: 'Bench plant' },
    areas,
    assets: Array.from({ length: ASSETS }, (_, i) => ({
      id: `p-${i}`,
      name: `Pump ${i}`,
      class: 'pump',
      line: `a${Math.floor(i / 200)}/l${Math.floor(i / 50) % 4}`,
      criticality: (['A', 'B', 'C'] as const)[i % 3],
      tags: [
        { id: 'bearing_temp', unit: 'degC', range: { min: -40, max: 200 } },
        { id: 'vibration', unit: 'mm/s', range: { min: 0, max: 100 } },
      ],
    })),
    api: { port: 0, auth: 'none' }, // the page as it renders after a login: the bench times the overview, not the login form
  };
}

const rules: RuleInput[] = [
  { id: 'hot', name: 'Bearing hot', selector: { class: 'pump' }, priority: 2, conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 85 }] }, workOrder: { title: 'Bearing hot on {{asset.name}}' } },
  {
    id: 'trend',
    name: 'Bearing trend',
    selector: { class: 'pump' },
    priority: 3,
    conditions: { all: [{ fact: 'bearing_temp', operator: 'lessThan', value: 72, params: { stat: 'timeToLimit', limit: 95, window: '6h' } }] },
    workOrder: { title: 'Bearing trend on {{asset.name}}' },
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

await ensureWebBuilt();
const { file } = writeSite(site(), rules);
const gw = await startGateway(file);
const url = gw.apiAddress!;
const now = Date.now();
for (let i = 0; i < ASSETS; i++) {
  gw.ingest([
    { tag: `p-${i}/bearing_temp`, ts: now, value: i % 20 === 0 ? 88 : 60 + (i % 7), quality: 'Good' },
    { tag: `p-${i}/vibration`, ts: now, value: 1.5, quality: 'Good' },
  ]);
}

const api: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await (await fetch(`${url}/api/health/tree`)).json();
  api.push(performance.now() - t);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] });
const render: number[] = [];
for (let i = 0; i <= runs; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(url);
  // Page functions, not text: the page's Content-Security-Policy refuses eval, which Playwright
  // needs for a function given as text. They run in the browser, where this file's Node types do
  // not apply: the DOM is reached through a minimal shape of globalThis.
  type Dom = { document: { querySelectorAll(s: string): { length: number } }; requestAnimationFrame(f: () => void): void };
  await page.waitForFunction((n) => (globalThis as unknown as Dom).document.querySelectorAll('a.tile').length === n, ASSETS, { polling: 'raf', timeout: 30_000 });
  const ms = await page.evaluate(() => new Promise<number>((r) => (globalThis as unknown as Dom).requestAnimationFrame(() => r(performance.now()))));
  if (i > 0) render.push(ms); // the first run warms Chromium itself
  await ctx.close();
}
await browser.close();
await gw.stop();

report('web', [
  { metric: 'overview rendered in Chromium, 1,000 assets', value: median(render), unit: 'ms', goal: '< 1,000 ms', note: `median of ${runs}, fresh context each; min ${Math.round(Math.min(...render))}, max ${Math.round(Math.max(...render))}` },
  { metric: 'GET /api/health/tree, 1,000 assets', value: median(api), unit: 'ms', note: 'median of 20 over loopback' },
]);
process.exit(0);
