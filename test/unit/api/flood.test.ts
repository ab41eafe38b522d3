import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { apiOf, pumpSite, startGateway, writeSite, type RuleInput } from '../../helpers/gateway.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

describe('an alarm flood shows in /api/health and /metrics', () => {
  it('names the flooded asset and area while the flood guard holds orders', async () => {
    const site = pumpSite(1, { api: { enabled: false } });
    site.assets![0]!.tags = Array.from({ length: 12 }, (_, i) => ({ id: `t${i}`, unit: 'degC' }));
    const rules: RuleInput[] = Array.from({ length: 12 }, (_, i) => ({
      id: `r${i}`,
      name: `Rule ${i}`,
      asset: 'p-1',
      priority: 3,
      conditions: { all: [{ fact: `t${i}`, operator: 'greaterThan', value: 1 }] },
      workOrder: { title: `t${i} high` },
    }));
    const { file } = writeSite(site, rules);
    gw = await startGateway(file);
    const now = Date.now();
    for (let i = 0; i < 12; i++) gw.ingest([{ tag: `p-1/t${i}`, ts: now + i, value: 5, quality: 'Good' }]);
    const health = (await apiOf(gw).inject('/api/health')).json() as { status: string; reasons: string[]; floods: { scope: string }[] };
    expect(health.status).toBe('degraded');
    expect(health.floods.map((f) => f.scope).sort()).toEqual(['area/area', 'asset/p-1']);
    expect(health.reasons.some((r) => r.startsWith('alarm flood on asset/p-1'))).toBe(true);
    const metrics = (await apiOf(gw).inject('/metrics')).body;
    expect(metrics).toContain('cbm_alarm_flood{scope="asset/p-1"} 1');
    expect(metrics).toContain('cbm_work_orders_held_total 2');
  });
});
