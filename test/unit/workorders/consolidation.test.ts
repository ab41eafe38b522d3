import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { siteConfigSchema } from '../../../src/config/schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Stages } from '../../../src/pipeline/stages.js';
import { orderStatusFeedback } from '../../../src/pipeline/feedback.js';
import { rng } from '../../../simulators/plant/model.js';
import { openStore } from '../../../src/store/db.js';
import { OrderStatusBook } from '../../../src/workorders/status.js';
import { tempDir } from '../../helpers/servers.js';

/**
 * Issue 16, "one open order per problem": what the work-order stage does with the alarm
 * transitions of realistic signals, end to end through the real stages and an in-memory store.
 */
const H = 3_600_000;
const MIN = 60_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Rule = Record<string, unknown>;

function setup(rules: Rule[], opts: { assets?: number; tags?: string[] } = {}) {
  const dir = tempDir('consolidation');
  dirs.push(dir);
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ rules }));
  const tags = opts.tags ?? ['vibration'];
  const site = siteConfigSchema.parse({
    gateway: { id: 'gw' },
    site: { id: 's', name: 'Site' },
    areas: [{ id: 'a', name: 'Area', lines: [{ id: 'l', name: 'Line' }] }],
    assets: Array.from({ length: opts.assets ?? 1 }, (_, i) => ({ id: `m-${i + 1}`, name: `Machine ${i + 1}`, class: 'pump', line: 'a/l', tags: tags.map((id) => ({ id, unit: 'mm/s' })) })),
    workOrders: { targets: [] },
  });
  const clock = new ManualClock(Date.UTC(2026, 10, 1));
  const db = openStore(':memory:');
  const stages = new Stages({ config: site, db, clock, log: silentLogger, startedAt: clock.now(), targetIds: () => ['cmms'] });
  stages.loadRules([file]);
  const status = new OrderStatusBook(db, clock, silentLogger);
  status.onStatus(orderStatusFeedback(stages, clock));
  const feed = (asset: string, tag: string, v: number, ts: number) => {
    clock.set(ts);
    stages.pipeline.ingest([{ tag: `${asset}/${tag}`, ts, value: v, quality: 'Good' }]);
  };
  const tick = (ts: number) => {
    clock.set(ts);
    stages.pipeline.tick(ts);
  };
  return { stages, status, clock, feed, tick, orders: () => stages.outbox.list({ limit: 10_000 }) };
}

const zone = (id: string, limit: number, priority: number, extra: Rule = {}): Rule => ({
  id,
  name: `Vibration ${id}`,
  selector: { class: 'pump' },
  group: 'vibration-severity',
  priority,
  conditions: { all: [{ fact: 'vibration', operator: 'greaterThan', value: limit }] },
  deadband: 0.2,
  onDelay: '10m',
  workOrder: { title: `{{asset.name}}: vibration {{value.vibration}} mm/s (${id})` },
  ...extra,
});

describe('one open order per problem', () => {
  it('a signal creeping through zone C into zone D with noise over days: exactly one order, escalated once to priority 1', () => {
    const { feed, orders, stages } = setup([zone('zone-c', 4.5, 3), zone('zone-d', 7.1, 1)]);
    const r = rng(7);
    const t0 = Date.UTC(2026, 10, 1);
    // 6 days of 15-minute samples: 3.8 → 8.0 mm/s, ±0.5 mm/s noise, so each boundary is crossed back and forth for a day or more.
    for (let k = 0; k < 6 * 96; k++) {
      const ts = t0 + k * 15 * MIN;
      feed('m-1', 'vibration', 3.8 + (4.2 * k) / (6 * 96) + (r() - 0.5), ts);
    }
    const all = orders();
    expect(all).toHaveLength(1);
    const [o] = all;
    expect(o!.order).toMatchObject({ priority: 3, rule: { id: 'zone-c' } });
    expect(o!.currentPriority).toBe(1);
    const escalations = o!.updates.filter((u) => u.escalated);
    expect(escalations).toHaveLength(1);
    expect(escalations[0]!).toMatchObject({ priority: 1, previousPriority: 3 });
    expect(escalations[0]!.events.some((e) => e.rule.id === 'zone-d')).toBe(true);
    // Re-raises were merged: far fewer updates than alarm raises.
    expect(stages.pipeline.stats.alarmsRaised).toBeGreaterThan(o!.updates.length);
    expect(o!.updates.length).toBeLessThanOrEqual(6 * 24 + 1);
  });

  it('a value dithering around its limit every few minutes for 6 hours: at most one order', () => {
    const { feed, orders, stages } = setup([{ ...zone('hot', 5, 2), onDelay: 0, deadband: 0, group: undefined }]);
    const t0 = Date.UTC(2026, 10, 1);
    for (let m = 0; m < 6 * 60; m++) feed('m-1', 'vibration', Math.floor(m / 3) % 2 ? 5.3 : 4.7, t0 + m * MIN);
    expect(stages.pipeline.stats.alarmsRaised).toBeGreaterThan(20);
    expect(orders()).toHaveLength(1);
  });

  it('100 raises on one asset in a minute: the flood guard holds them, one flood order lists them', () => {
    const rules = Array.from({ length: 100 }, (_, i) => ({
      id: `r${i}`,
      name: `Rule ${i}`,
      asset: 'm-1',
      priority: 3,
      conditions: { all: [{ fact: `t${i}`, operator: 'greaterThan', value: 1 }] },
      workOrder: { title: `t${i} high` },
    }));
    const { feed, orders, stages } = setup(rules, { tags: Array.from({ length: 100 }, (_, i) => `t${i}`) });
    const t0 = Date.UTC(2026, 10, 1);
    for (let i = 0; i < 100; i++) feed('m-1', `t${i}`, 5, t0 + i * 600);
    const all = orders();
    const sent = all.filter((o) => o.kind !== 'held');
    const floods = all.filter((o) => o.kind === 'flood');
    expect(floods).toHaveLength(1);
    expect(sent).toHaveLength(11); // the flood guard's 10 in 10 minutes, and the flood order
    expect(all.filter((o) => o.kind === 'held')).toHaveLength(90);
    expect(floods[0]!.order.title).toBe('Alarm flood on Machine 1 (m-1): orders held');
    // The flood order lists every held order: the first in its description, the rest as its updates.
    const listed = floods[0]!.updates.flatMap((u) => u.events.map((e) => e.rule.id));
    expect(listed).toHaveLength(89);
    expect(stages.pipeline.stats).toMatchObject({ workOrders: 11, ordersHeld: 90 });
  });

  it('a completed order (status back) re-arms its group: the next episode orders anew', () => {
    const { feed, orders, status, stages } = setup([{ ...zone('hot', 5, 2), onDelay: 0 }]);
    const t0 = Date.UTC(2026, 10, 1);
    feed('m-1', 'vibration', 6, t0);
    feed('m-1', 'vibration', 4, t0 + H);
    feed('m-1', 'vibration', 6, t0 + 2 * H); // episode 2: updates the open order
    expect(orders()).toHaveLength(1);
    const first = orders()[0]!.order;
    expect(status.applyReport({ idempotencyKey: first.idempotencyKey, status: 'completed', at: new Date(t0 + 3 * H).toISOString() })?.result).toBe('applied');
    feed('m-1', 'vibration', 4, t0 + 4 * H);
    feed('m-1', 'vibration', 6, t0 + 5 * H); // episode 3: the group is free again
    expect(orders().map((o) => o.order.rule.episode)).toEqual([3, 1]);
    expect(stages.pipeline.stats.orderUpdates).toBe(1);
  });

  it('an update raised after the wall clock stepped back, before the step is seen: once seen, it is due within `updateEvery`, not an hour late', () => {
    // Found by the soak: the open order's last update time was still on the old clock (1 h ahead),
    // so the update's due time came out 1 h ahead; its delivery row, written on the new clock,
    // was not moved when the step was seen: it waited an hour more than `updateEvery`.
    const { feed, stages, clock } = setup([{ ...zone('hot', 5, 2), onDelay: 0 }]);
    const t0 = Date.UTC(2026, 10, 1);
    const deliverAll = (now: number) => {
      for (const d of stages.outbox.due(now, 100)) stages.outbox.markDelivered(d.seq, undefined, now);
    };
    feed('m-1', 'vibration', 6, t0);
    deliverAll(t0);
    feed('m-1', 'vibration', 4, t0 + 10 * MIN);
    feed('m-1', 'vibration', 6, t0 + 20 * MIN); // update 1, due at t0 + 1 h (`updateEvery` after the order)
    deliverAll(t0 + H);
    feed('m-1', 'vibration', 4, t0 + H + 10 * MIN);
    const back = t0 + H + 20 * MIN - H; // the clock steps back an hour; the next raise comes before the step is seen
    feed('m-1', 'vibration', 6, back);
    clock.set(back + 1000);
    stages.clockStepped(-H);
    const pending = stages.outbox.list({ limit: 10 })[0]!.deliveries.filter((d) => d.state === 'pending');
    expect(pending.map((d) => d.updateSeq)).toEqual([2]);
    expect(pending[0]!.nextAt - clock.now()).toBeLessThanOrEqual(H);
  });

  it('without status back, an order counts as open for `renotify`; then the next episode orders anew', () => {
    const { feed, orders } = setup([{ ...zone('hot', 5, 2), onDelay: 0, renotify: '2d' }]);
    const t0 = Date.UTC(2026, 10, 1);
    for (let d = 0; d < 5; d++) {
      feed('m-1', 'vibration', 6, t0 + d * 24 * H);
      feed('m-1', 'vibration', 4, t0 + d * 24 * H + H);
    }
    // Days 0 and 1 share the first order, days 2 and 3 the second, day 4 makes a third.
    expect(orders().map((o) => o.order.rule.episode)).toEqual([5, 3, 1]);
  });
});

describe('idempotency keys', () => {
  it('differ by gateway, site and install (a data dir replaced empty), and not between retries', async () => {
    const { idempotencyKey } = await import('../../../src/workorders/model.js');
    const base = { gatewayId: 'gw', siteId: 's1', installId: 'a' };
    const k = idempotencyKey(base, 'r', 'p-1', 1);
    expect(idempotencyKey({ ...base }, 'r', 'p-1', 1)).toBe(k);
    expect(idempotencyKey({ ...base, siteId: 's2' }, 'r', 'p-1', 1)).not.toBe(k);
    expect(idempotencyKey({ ...base, gatewayId: 'gw2' }, 'r', 'p-1', 1)).not.toBe(k);
    expect(idempotencyKey({ ...base, installId: 'b' }, 'r', 'p-1', 1)).not.toBe(k);
    expect(k).toMatch(/^cbm-[0-9a-f]{32}$/);
  });
});
