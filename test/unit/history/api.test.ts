import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { ManualClock } from '../../../src/core/clock.js';
import { apiOf, bearingRule, pumpSite, startGateway, writeSite } from '../../helpers/gateway.js';
import { seedHistory } from './seed.js';

const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString();

/**
 * The history route over a gateway whose store already holds 3 days of p-1/bearing_temp (one
 * sample every 20 s: 60 + minute of the hour, so each minute's values are known), written by an
 * earlier run.
 */
describe('GET /api/assets/:id/tags/:tag/history', () => {
  let gw: Gateway;
  const end = T0 + 3 * DAY;
  const clock = new ManualClock(end);
  const get = async (url: string) => {
    const res = await apiOf(gw).inject(url);
    return { status: res.statusCode, body: res.json() as any };
  };
  const url = (q: string) => `/api/assets/p-1/tags/bearing_temp/history${q}`;

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(2, { api: { enabled: false } }), [bearingRule]);
    seedHistory(file, end, (add) => {
      for (let t = T0; t < end; t += 20_000) add('p-1/bearing_temp', t, 60 + (Math.floor(t / MIN) % 60) + (t % MIN) / 20_000); // 60+m, 60+m+1, 60+m+2 within minute m of the hour
    });
    gw = await startGateway(file, { clock });
  });
  afterAll(() => gw?.stop());

  it('answers 1-minute points with min, avg, max, last and count, and the tag\'s unit', async () => {
    const { status, body } = await get(url(`?from=${iso(end - 3 * HOUR)}&to=${iso(end)}&resolution=1m`));
    expect(status).toBe(200);
    expect(body).toMatchObject({ asset: 'p-1', tag: 'bearing_temp', unit: 'degC', resolution: '1m', from: iso(end - 3 * HOUR), to: iso(end) });
    expect(body.points).toHaveLength(180);
    expect(body.points[0]).toEqual({ t: iso(end - 3 * HOUR), min: 60, avg: 61, max: 62, last: 62, count: 3 });
    expect(body.points.at(-1)).toEqual({ t: iso(end - MIN), min: 119, avg: 120, max: 121, last: 121, count: 3 });
  });

  it('auto: 1-minute points up to 2 days, 1-hour points beyond', async () => {
    const short = await get(url(`?from=${iso(end - 2 * DAY)}&to=${iso(end)}`));
    expect(short.body).toMatchObject({ resolution: '1m' });
    expect(short.body.points).toHaveLength(2 * 24 * 60);
    const long = await get(url(`?from=${iso(end - 30 * DAY)}&to=${iso(end)}`));
    expect(long.body).toMatchObject({ resolution: '1h' });
    expect(long.body.points).toHaveLength(3 * 24);
    // An hour: minutes 0-59 of values m, m+1, m+2 (+60): min 60, max 121, avg 90.5, 180 samples.
    expect(long.body.points[5]).toEqual({ t: iso(T0 + 5 * HOUR), min: 60, avg: 90.5, max: 121, last: 121, count: 180 });
  });

  it('defaults to the last 24 hours, takes epoch milliseconds, and cuts the range at the minute', async () => {
    const def = await get(url(''));
    expect(def.body).toMatchObject({ resolution: '1m', from: iso(end - DAY), to: iso(end) });
    expect(def.body.points).toHaveLength(24 * 60);
    const ms = await get(url(`?from=${end - 10 * MIN + 30_000}&to=${end - 5 * MIN}&resolution=1m`));
    expect(ms.body.points.map((p: { t: string }) => p.t)).toEqual([10, 9, 8, 7, 6, 5].map((m) => iso(end - m * MIN)));
  });

  it('shows a sample taken since the gateway started (the open minute) at once', async () => {
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: end + 1_000, value: 70.5, quality: 'Good' }]);
    const { body } = await get(url(`?from=${iso(end - MIN)}&to=${iso(end + MIN)}&resolution=1m`));
    expect(body.points.at(-1)).toEqual({ t: iso(end), min: 70.5, avg: 70.5, max: 70.5, last: 70.5, count: 1 });
  });

  it('an unknown asset or tag is a 404 in the { code, message } shape', async () => {
    expect(await get('/api/assets/nope/tags/bearing_temp/history')).toEqual({ status: 404, body: { code: 'CBM_ERR_NOT_FOUND', message: 'no asset "nope"' } });
    expect(await get('/api/assets/p-1/tags/nope/history')).toEqual({
      status: 404,
      body: { code: 'CBM_ERR_NOT_FOUND', message: 'asset "p-1" has no tag "nope"; its tags: bearing_temp, vibration' },
    });
  });

  it('a bad range or resolution is a 400 that names the parameter', async () => {
    expect(await get(url(`?from=${iso(end)}&to=${iso(end - HOUR)}`))).toEqual({
      status: 400,
      body: { code: 'CBM_ERR_BAD_REQUEST', message: `query: expected from (${iso(end)}) before to (${iso(end - HOUR)})` },
    });
    expect((await get(url('?from=yesterday'))).body).toEqual({
      code: 'CBM_ERR_BAD_REQUEST',
      message: 'query.from: expected an ISO 8601 time (2026-03-02T10:00:00Z) or epoch milliseconds; got "yesterday"',
    });
    expect((await get(url('?resolution=5m'))).body).toMatchObject({ code: 'CBM_ERR_BAD_REQUEST', message: expect.stringMatching(/^query\.resolution: /) });
    expect((await get(url('?resolution=raw'))).body.message).toMatch(/raw samples are not kept in the local store/);
    expect((await get(url('?step=1m'))).body.message).toMatch(/^query: .*step/);
  });
});

describe('history off', () => {
  it('the route says so', async () => {
    const { file } = writeSite(pumpSite(1, { api: { enabled: false }, history: { enabled: false } }), [bearingRule]);
    const gw = await startGateway(file, { clock: new ManualClock(T0) });
    try {
      const res = await apiOf(gw).inject('/api/assets/p-1/tags/bearing_temp/history');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ code: 'CBM_ERR_NOT_FOUND', message: 'local history is off (history.enabled: false in the site config)' });
    } finally {
      await gw.stop();
    }
  });
});

describe('minute ISO formatter', () => {
  it('formats as toISOString does, across hours, days and years, and falls back off the minute', async () => {
    const { minuteIsoFormatter } = await import('../../../gateway/api-history.js');
    const iso = minuteIsoFormatter();
    for (const t of [Date.UTC(2026, 11, 31, 23, 58), Date.UTC(2026, 11, 31, 23, 59), Date.UTC(2027, 0, 1, 0, 0), Date.UTC(2027, 0, 1, 0, 1), Date.UTC(2026, 1, 28, 13, 7), Date.UTC(2026, 1, 28, 13, 7, 30, 5)]) {
      expect(iso(t)).toBe(new Date(t).toISOString());
    }
  });
});
