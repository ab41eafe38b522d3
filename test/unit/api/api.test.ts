import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { buildApi } from '../../../gateway/api.js';
import { ManualClock } from '../../../src/core/clock.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../../helpers/gateway.js';

/** The API over a gateway with no sources: samples go straight into the pipeline, time is manual. */
describe('HTTP API', () => {
  let gw: Gateway;
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 8));
  beforeAll(async () => {
    const { file } = writeSite(pumpSite(2, { api: { enabled: false } }), [bearingRule]);
    gw = await startGateway(file, { clock });
    const t = clock.now();
    gw.ingest([
      { tag: 'p-1/bearing_temp', ts: t, value: 70, quality: 'Good' },
      { tag: 'p-1/vibration', ts: t, value: 250, quality: 'Good' }, // out of range → Bad
      { tag: 'p-2/bearing_temp', ts: t, value: 88.5, quality: 'Good' },
      { tag: 'p-9/bearing_temp', ts: t, value: 1, quality: 'Good' }, // unknown tag
    ]);
  });
  afterAll(() => gw?.stop());

  it('GET /api/health reports counters, outbox and sources', async () => {
    const res = await buildApi(gw.view).inject('/api/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      gatewayId: 'test-gw',
      ingest: { received: 4, accepted: 2, bad: 1, outOfRange: 1, unknownTag: 1, alarmsRaised: 1, workOrders: 1 },
      outbox: { pending: 0 }, // no target configured: the order is kept, nothing to deliver
      rules: { rules: 1, instances: 2 },
    });
  });

  it('GET /api/assets gives hierarchy, latest values with quality, and health', async () => {
    const res = await buildApi(gw.view).inject('/api/assets');
    const [p1, p2] = res.json() as any[];
    expect(p1).toMatchObject({ id: 'p-1', path: 'plant/area/line/p-1', serialNumber: 'SN-1000', health: 'ok' });
    expect(p1.location.map((l: { level: string }) => l.level)).toEqual(['site', 'area', 'line', 'asset']);
    expect(p1.tags).toEqual([
      expect.objectContaining({ id: 'bearing_temp', value: 70, quality: 'Good', unit: 'degC' }),
      expect.objectContaining({ id: 'vibration', value: 250, quality: 'Bad', reason: 'out_of_range' }),
    ]);
    expect(p2).toMatchObject({ health: 'alarm', activeAlarms: [{ rule: 'bearing-hot', priority: 2, episode: 1 }] });
    expect((await buildApi(gw.view).inject('/api/assets/nope')).json()).toEqual({ code: 'CBM_ERR_NOT_FOUND', message: 'no asset "nope"' });
  });

  it('GET /api/work-orders lists orders with their delivery state, filterable', async () => {
    const api = buildApi(gw.view);
    const all = (await api.inject('/api/work-orders')).json() as any[];
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ asset: { id: 'p-2' }, priority: 2, title: 'Bearing 88.5 °C on Pump 2', deliveries: [] });
    expect((await api.inject('/api/work-orders?asset=p-1')).json()).toEqual([]);
    expect((await api.inject('/api/work-orders?state=bogus')).statusCode).toBe(400);
  });

  it('GET /metrics speaks Prometheus text', async () => {
    const res = await buildApi(gw.view).inject('/metrics');
    expect(res.body).toMatch(/^cbm_samples_received_total 4$/m);
    expect(res.body).toMatch(/^cbm_work_orders_total 1$/m);
    // The store's WAL checkpoints run in their worker (none needed yet in a store this small).
    expect(res.body).toMatch(/^cbm_store_checkpoint_failures_total 0$/m);
    expect(res.body).toMatch(/^cbm_store_wal_pages \d+$/m);
  });
});
