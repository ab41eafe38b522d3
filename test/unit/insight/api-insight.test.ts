import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../../../gateway/gateway.js';
import { ManualClock } from '../../../src/core/clock.js';
import { apiOf, bearingRule, pumpSite, startGateway, writeSite, type RuleInput } from '../../helpers/gateway.js';

const H = 3_600_000;

export const trendRule: RuleInput = {
  id: 'bearing-trend',
  name: 'Bearing trending to 95',
  selector: { class: 'pump' },
  priority: 3,
  conditions: { all: [{ fact: 'bearing_temp', operator: 'lessThan', value: 72, params: { stat: 'timeToLimit', limit: 95, window: '6h' } }] },
  workOrder: { title: '{{asset.name}} bearing trending to 95 °C' },
};

/**
 * Health and KPI routes over a gateway fed through its pipeline (manual clock, no sources): the
 * scores follow the weights of docs/dashboard.md, worked out in the comments.
 */
describe('health and KPI routes', () => {
  let gw: Gateway;
  let api: FastifyInstance;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(3, { api: { enabled: false }, workOrders: { status: { unsigned: true } } }), [bearingRule, trendRule]);
    gw = await startGateway(file, { clock });
    api = apiOf(gw);
    const t0 = clock.now() - 6 * H;
    // p-1 rises 3 °C an hour for 6 hours (60 → 77.75 °C, below the 80 °C alarm), the last sample 5
    // minutes ago. The trend is read at the newest sample time (p-2's, 1 minute ago): 77.95 °C there,
    // so it reaches 95 °C in 17.05 / 3 = 5.68 h; the trend rule (< 72 h) raises a P3 alarm and its order.
    for (let i = 0; i < 72; i++) {
      const ts = t0 + i * 5 * 60_000;
      gw.ingest([
        { tag: 'p-1/bearing_temp', ts, value: 60 + (3 * i) / 12, quality: 'Good' },
        { tag: 'p-3/bearing_temp', ts, value: 65, quality: 'Good' },
      ]);
    }
    gw.ingest([{ tag: 'p-2/bearing_temp', ts: clock.now() - 60_000, value: 88, quality: 'Good' }]); // P2 alarm and order
  });
  afterAll(() => gw?.stop());

  it('GET /api/assets/:id/health: the degrading pump loses points for its alarm, its trend and its order', async () => {
    const h = (await api.inject('/api/assets/p-1/health')).json();
    // P3 alarm 10 + trend within 24 h 30 + P3 order open 5 = 45 off → 55.
    expect(h.score).toBe(55);
    expect(h.reasons.map((r: { kind: string; weight: number }) => [r.kind, r.weight])).toEqual([
      ['trend', 30],
      ['alarm', 10],
      ['open-order', 5],
    ]);
    expect(h.reasons[0].detail).toBe('bearing_temp predicted to reach 95 degC in 6 h'); // the tag has no name: its id
    expect(h.trends).toEqual([{ rule: 'bearing-trend', name: 'Bearing trending to 95', tag: 'bearing_temp', limit: 95, window: '6h', hours: expect.closeTo(17.05 / 3, 6) }]);
    expect(h.limits).toEqual([{ rule: 'bearing-hot', name: 'Bearing hot', priority: 2, tag: 'bearing_temp', operator: 'greaterThan', value: 80 }]);
    expect((await api.inject('/api/assets/nope/health')).json()).toEqual({ code: 'CBM_ERR_NOT_FOUND', message: 'no asset "nope"' });
  });

  it('GET /api/health/tree rolls up worst first with counts', async () => {
    const tree = (await api.inject('/api/health/tree')).json();
    const line = tree.children[0].children[0];
    // p-2: P2 alarm 25 + P2 order 10 = 35 off → 65; p-3 100. All criticality B (0.75):
    // line = 100 − max(0.75 × 45, 0.75 × 35, 0) = 66.25.
    expect(line.children.map((c: { id: string; score: number }) => [c.id, c.score])).toEqual([
      ['p-1', 55],
      ['p-2', 65],
      ['p-3', 100],
    ]);
    expect(line.score).toBe(66.3); // rounded to a tenth
    expect(tree).toMatchObject({ id: 'plant', level: 'site', score: 66.3, worst: { id: 'p-1', score: 55 }, activeAlarms: { 1: 0, 2: 1, 3: 1, 4: 0 }, openOrders: 2 });
  });

  it('GET /metrics has a health gauge per asset', async () => {
    const body = (await api.inject('/metrics')).body;
    expect(body).toMatch(/^cbm_asset_health\{asset="p-1"\} 55$/m);
    expect(body).toMatch(/^cbm_asset_health\{asset="p-3"\} 100$/m);
  });

  it('GET /api/kpis/alarms and /api/kpis/maintenance read the history', async () => {
    const a = (await api.inject('/api/kpis/alarms?days=1')).json();
    expect(a).toMatchObject({ total: 2, standing: 2, priorityMix: { counts: { high: 0, medium: 1, low: 1 } }, flood: { slots: 0 } });
    expect(a.badActors.top.map((x: { rule: string; asset: string }) => `${x.rule}@${x.asset}`).sort()).toEqual(['bearing-hot@p-2', 'bearing-trend@p-1']);
    const m = (await api.inject('/api/kpis/maintenance')).json();
    expect(m).toMatchObject({ orders: { made: 2, floods: 0, held: 0 }, backlog: { total: 2, byPriority: { 1: 0, 2: 1, 3: 1, 4: 0 } }, shares: { condition: 1 } });
    for (const bad of ['0', '-1', 'x', '1000']) expect((await api.inject(`/api/kpis/alarms?days=${bad}`)).statusCode).toBe(400);
  });

  it('a completed order leaves the backlog and counts as recent', async () => {
    const order = ((await api.inject('/api/work-orders?asset=p-2')).json() as { id: string }[])[0]!;
    clock.set(clock.now() + 2 * H);
    const r = await api.inject({ method: 'POST', url: '/api/work-orders/status', payload: { id: order.id, status: 'completed', notes: 'regreased' } });
    expect(r.statusCode).toBe(200);
    // p-2, two hours on: P2 alarm 25 + one condition order completed within 30 days 3 + both its
    // sensors silent for 2 h (> 15 min) 2 × 10 = 48 off → 52.
    const h = (await api.inject('/api/assets/p-2/health')).json();
    expect(h.reasons.map((x: { kind: string; weight: number }) => [x.kind, x.weight])).toEqual([
      ['alarm', 25],
      ['sensor', 10],
      ['sensor', 10],
      ['recent-order', 3],
    ]);
    expect(h.score).toBe(52);
    const m = (await api.inject('/api/kpis/maintenance?days=1')).json();
    expect(m.backlog.total).toBe(1);
    // Made at the gateway's clock when the sample came, completed 2 h later.
    expect(m.conditionLeadTime.toComplete).toEqual({ n: 1, mean: 2, median: 2 });
  });
});
