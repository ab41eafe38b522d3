import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { buildApi } from '../../gateway/api.js';
import { ManualClock } from '../../src/core/clock.js';
import { stringify } from 'yaml';
import { bearingRule, pumpSite, startGateway, writeSite, type RuleInput } from '../helpers/gateway.js';
import { waitFor } from '../helpers/servers.js';

const H = 3_600_000;
let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

function ingest(g: Gateway, tag: string, value: number, ts: number) {
  g.ingest([{ tag, ts, value, quality: 'Good' }]);
}

describe('rules and alarms in a running gateway', () => {
  it('hot-reloads rule files; a broken file is reported and the previous rules keep running', async () => {
    const { dir, file } = writeSite(pumpSite(1, { api: { enabled: false } }), [bearingRule]);
    gw = await startGateway(file);
    expect(gw.view.rules().instances.map((i) => i.key)).toEqual(['bearing-hot@p-1']);

    const rules = join(dir, 'rules', 'rules.yaml');
    writeFileSync(rules, stringify({ rules: [bearingRule, { ...bearingRule, id: 'vib-high', conditions: { all: [{ fact: 'vibration', operator: 'greaterThan', value: 7 }] } }] }));
    await waitFor('reload with two rules', () => (gw!.view.rules().rules.length === 2 ? true : undefined), 10_000);

    writeFileSync(rules, 'rules:\n  - id: broken\n    conditions: { all: [{ fact: nope, operator: bigger, value: 1 }] }\n');
    const r = await waitFor('a failed reload', () => {
      const x = gw!.reloadRules();
      return x.ok ? undefined : x;
    });
    expect(r.problems.join('\n')).toMatch(/rules\.yaml:\d+:\d+: rules\[0\]/);
    expect(gw.view.rules().rules.map((x) => x.rule.id)).toEqual(['bearing-hot', 'vib-high']); // still running
    ingest(gw, 'p-1/vibration', 9, Date.now());
    expect(gw.view.ingest().alarmsRaised).toBe(1);
  });

  it('keeps alarm state and open orders across a restart: an active alarm does not order again, episodes continue and update the open order', async () => {
    const { file } = writeSite(pumpSite(1, { api: { enabled: false } }), [bearingRule]);
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 6));
    gw = await startGateway(file, { clock });
    ingest(gw, 'p-1/bearing_temp', 90, clock.now());
    expect(gw.view.outbox.list()).toHaveLength(1);
    await gw.stop();

    gw = await startGateway(file, { clock });
    ingest(gw, 'p-1/bearing_temp', 91, clock.now() + 1000); // still hot: same episode, no new order
    expect(gw.view.outbox.list()).toHaveLength(1);
    ingest(gw, 'p-1/bearing_temp', 60, clock.now() + 2000);
    ingest(gw, 'p-1/bearing_temp', 92, clock.now() + 120_000);
    // Episode 2 of the same problem: the order open since before the restart is updated, not doubled.
    let orders = gw.view.outbox.list();
    expect(orders).toHaveLength(1);
    expect(orders[0]!.updates.map((u) => u.events.map((e) => e.rule.episode))).toEqual([[2]]);
    // Once the CMMS completes it, the next episode orders anew, with a key of its own.
    clock.set(clock.now() + 130_000);
    const done = gw.view.orderStatus.applyReport({ idempotencyKey: orders[0]!.order.idempotencyKey, status: 'completed' });
    expect(done?.result).toBe('applied');
    ingest(gw, 'p-1/bearing_temp', 60, clock.now() + 1000);
    ingest(gw, 'p-1/bearing_temp', 93, clock.now() + 200_000);
    orders = gw.view.outbox.list();
    expect(orders.map((o) => o.order.rule.episode)).toEqual([3, 1]);
    expect(new Set(orders.map((o) => o.order.idempotencyKey)).size).toBe(2);
  });

  it('run-hour PM: orders at N run hours, stays quiet until the CMMS completes it, then counts again', async () => {
    const pm: RuleInput = {
      id: 'pm-100h',
      name: 'PM 100 h',
      asset: 'p-1',
      priority: 4,
      conditions: { all: [{ fact: 'run_hours', operator: 'greaterThanInclusive', value: 100, params: { since: 'service' } }] },
      workOrder: { type: 'PM', title: 'PM on {{asset.name}}' },
    };
    const site = pumpSite(1, { api: { enabled: false }, workOrders: { status: { unsigned: true } } });
    site.assets![0]!.tags!.push({ id: 'running' });
    site.assets![0]!.meters = [{ id: 'run_hours', type: 'runHours', tag: 'running', maxGap: '2h' }];
    const { file } = writeSite(site, [pm]);
    const clock = new ManualClock(Date.UTC(2026, 10, 1));
    gw = await startGateway(file, { clock });
    const t0 = clock.now();
    // The gateway's clock moves with the samples (samples a day ahead of it are refused).
    const run = (from: number, to: number) => {
      for (let h = from; h <= to; h++) clock.set(t0 + h * H), ingest(gw!, 'p-1/running', 1, t0 + h * H);
    };
    run(0, 150);
    const [first] = gw.view.outbox.list();
    expect(first!.order).toMatchObject({ type: 'PM', title: 'PM on Pump 1', rule: { episode: 1 } });
    expect(gw.view.outbox.list()).toHaveLength(1); // 150 h: still one order (rearm on completion)

    clock.set(t0 + 150 * H);
    const api = buildApi(gw.view);
    const res = await api.inject({ method: 'POST', url: '/api/work-orders/status', payload: { idempotencyKey: first!.order.idempotencyKey, status: 'completed', notes: 'Regreased', technician: 'J. Doe' } });
    expect(res.statusCode).toBeLessThan(300);
    expect(gw.view.alarms.list().find((a) => a.key === 'pm-100h@p-1')?.state).toMatchObject({ active: false });

    run(151, 260);
    const all = gw.view.outbox.list();
    expect(all).toHaveLength(2);
    expect(all[0]!.order.evidence.limits[0]).toMatchObject({ tag: 'run_hours since service', limit: 100, value: 100 });
    // After a restart the meter and its baseline are back.
    await gw.stop();
    gw = await startGateway(file, { clock });
    expect(gw.view.meters.value[0]).toBe(260);
  });

  it('operator commands over the API: acknowledge, shelve (capped), out of service', async () => {
    const { file } = writeSite(pumpSite(1, { api: { enabled: false } }), [{ ...bearingRule, maxShelve: 3_600_000 }]);
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 6));
    gw = await startGateway(file, { clock });
    const api = buildApi(gw.view);
    ingest(gw, 'p-1/bearing_temp', 90, clock.now());
    let r = await api.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/ack', payload: { by: 'lead' } });
    expect(r.json()).toEqual({ acknowledged: true });
    r = await api.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/shelve', payload: { duration: '8h' } });
    expect(r.json().shelvedUntil).toBe(new Date(clock.now() + 3_600_000).toISOString());
    const alarms = (await api.inject('/api/alarms')).json();
    expect(alarms.alarms[0]).toMatchObject({ asset: 'p-1', rule: 'bearing-hot', state: 'shelved', acknowledged: true });
    expect(alarms.history.map((h: { change: string }) => h.change)).toEqual(['shelved', 'acknowledged', 'raised']);
    r = await api.inject({ method: 'POST', url: '/api/assets/p-1/out-of-service', payload: { enabled: true } });
    expect(r.json()).toMatchObject({ outOfService: true, alarms: 1 });
    expect((await api.inject({ method: 'POST', url: '/api/alarms/nope/p-1/ack' })).statusCode).toBe(404);
  });
});
