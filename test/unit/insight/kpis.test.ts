import { describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../../src/alarms/store.js';
import { alarmKpis, mixLevel } from '../../../src/insight/alarm-kpis.js';
import { maintenanceKpis, spread } from '../../../src/insight/maintenance-kpis.js';
import type { OrderFact } from '../../../src/insight/store.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 2, 1);

const ev = (rule: string, asset: string, priority: number, change: string, ts: number): AlarmEvent => ({ rule_id: rule, asset_id: asset, episode: 0, change, priority, ts });

describe('alarm KPIs (EEMUA 191 / ISA-18.2) on a worked two-day example', () => {
  // Day 0, 10:00-10:05:30: alarm A (P3) on p1 raises 12 times, 30 s apart, clearing between: one flood slot.
  // Day 1: B (P2) on p2 raises 3 times; C (P1) on p3 raises at 00:30 and stays active (23.5 h at the end).
  // D (P2) on p4 was active since 2 h before the window and never clears: stale (> 24 h) at the end of both days.
  const events: AlarmEvent[] = [];
  for (let i = 0; i < 12; i++) {
    events.push(ev('A', 'p1', 3, 'raised', T0 + 10 * H + i * 30_000));
    events.push(ev('A', 'p1', 3, 'cleared', T0 + 10 * H + i * 30_000 + 10_000));
  }
  events.push(ev('A', 'p1', 3, 'chattering', T0 + 10 * H + 70_000));
  for (let i = 0; i < 3; i++) events.push(ev('B', 'p2', 2, 'raised', T0 + D + (i + 1) * 2 * H), ev('B', 'p2', 2, 'cleared', T0 + D + (i + 1) * 2 * H + 60_000));
  events.push(ev('C', 'p3', 1, 'raised', T0 + D + 30 * 60_000));
  events.sort((a, b) => a.ts - b.ts);
  const k = alarmKpis({
    from: T0,
    to: T0 + 2 * D,
    events,
    before: [{ rule: 'D', asset: 'p4', priority: 2, active: true, since: T0 - 2 * H }],
    current: [
      { rule: 'C', asset: 'p3', name: 'C', priority: 1, active: true, since: T0 + D + 30 * 60_000, chattering: false, shelved: false },
      { rule: 'D', asset: 'p4', name: 'D', priority: 2, active: true, since: T0 - 2 * H, chattering: false, shelved: false },
      { rule: 'B', asset: 'p2', name: 'B', priority: 2, active: false, since: T0 + D, chattering: false, shelved: false },
    ],
  });

  it('counts per day and per 10 minutes', () => {
    // 12 + 3 + 1 = 16 raises over 2 days: 8 a day; days 12 and 4.
    expect(k.total).toBe(16);
    expect(k.perDay.average).toBe(8);
    expect(k.perDay.days.map((d) => d.count)).toEqual([12, 4]);
    expect(k.perDay.max).toBe(12);
    // 288 ten-minute slots in 2 days: 16 / 288; the busiest holds all 12 of A.
    expect(k.per10min.average).toBeCloseTo(16 / 288, 10);
    expect(k.per10min.max).toBe(12);
  });

  it('time in flood: slots with more than 10 alarms', () => {
    expect(k.flood).toEqual({ slots: 1, timeShare: 1 / 288 });
  });

  it('bad actors, chattering, standing and stale', () => {
    expect(k.badActors.top.map((a) => [`${a.rule}@${a.asset}`, a.count, a.share])).toEqual([
      ['A@p1', 12, 0.75],
      ['B@p2', 3, 0.1875],
      ['C@p3', 1, 0.0625],
    ]);
    expect(k.badActors.topTenShare).toBe(1);
    expect(k.chattering).toEqual(['A@p1']);
    expect(k.standing).toBe(2);
    // D: active from T0 − 2 h to the end (T0 + 48 h): 50 h. C: 23.5 h, not stale.
    expect(k.stale).toEqual([{ rule: 'D', asset: 'p4', name: 'D', priority: 2, activeHours: 50 }]);
    // End of day 0: D at 26 h (C not yet raised); end of day 1: D at 50 h, C at 23.5 h: 1 each day.
    expect(k.stalePerDayMax).toBe(1);
  });

  it('priority mix against 80/15/5: P1 high, P2 medium, P3 and P4 low', () => {
    expect([1, 2, 3, 4].map(mixLevel)).toEqual(['high', 'medium', 'low', 'low']);
    expect(k.priorityMix.counts).toEqual({ high: 1, medium: 3, low: 12 });
    expect(k.priorityMix.shares).toEqual({ high: 0.0625, medium: 0.1875, low: 0.75 });
  });

  it('an empty history gives zeros, not NaN', () => {
    const e = alarmKpis({ from: T0, to: T0 + D, events: [], before: [], current: [] });
    expect([e.total, e.perDay.max, e.per10min.max, e.flood.timeShare, e.badActors.topTenShare, e.priorityMix.shares.low, e.stalePerDayMax]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});

function order(id: string, o: Partial<OrderFact>): OrderFact {
  return { id, asset: 'p1', rule: 'r', kind: 'condition', type: 'CM', priority: 2, status: 'open', createdAt: T0, history: [], escalatedAt: undefined, ...o };
}

describe('maintenance KPIs on a worked 30-day example', () => {
  const orders: OrderFact[] = [
    // p1: two corrective orders 10 days apart; the first took 6 h (4 h of it in progress), the second 10 h.
    order('o1', { priority: 1, status: 'completed', createdAt: T0 + D, history: [{ status: 'in_progress', at: T0 + D + 2 * H }, { status: 'completed', at: T0 + D + 6 * H }] }),
    order('o2', { status: 'completed', createdAt: T0 + 11 * D, history: [{ status: 'completed', at: T0 + 11 * D + 10 * H }] }),
    // p2: a condition order started after 24 h, escalated after 48 h (now P1), still in progress: 25 days old at the end.
    order('o3', { asset: 'p2', type: 'PdM', priority: 1, status: 'in_progress', createdAt: T0 + 5 * D, history: [{ status: 'in_progress', at: T0 + 5 * D + 24 * H }], escalatedAt: T0 + 5 * D + 48 * H }),
    // p2: a PM order made 12 h before the end, open.
    order('o4', { asset: 'p2', type: 'PM', priority: 4, createdAt: T0 + 29.5 * D }),
    // p3: a condition order completed after 12 h.
    order('o5', { asset: 'p3', type: 'PdM', priority: 3, status: 'completed', createdAt: T0 + 2 * D, history: [{ status: 'completed', at: T0 + 2 * D + 12 * H }] }),
    // A flood order (open, 27 days old) and an order it held (never sent).
    order('o6', { asset: 'p4', kind: 'flood', createdAt: T0 + 3 * D }),
    order('o7', { asset: 'p4', kind: 'held', createdAt: T0 + 3 * D }),
    // p1: a corrective order from before the window, still open (70 days at the end).
    order('o8', { createdAt: T0 - 40 * D }),
  ];
  const k = maintenanceKpis({ from: T0, to: T0 + 30 * D, orders });

  it('backlog by priority and age (held orders are not in it)', () => {
    // Open: o3 P1 25 d, o4 P4 0.5 d, o6 P2 27 d, o8 P2 70 d.
    expect(k.backlog.total).toBe(4);
    expect(k.backlog.byPriority).toEqual({ 1: 1, 2: 2, 3: 0, 4: 1 });
    expect(k.backlog.byAge.map((b) => [b.bucket, b.total, b.counts])).toEqual([
      ['under 1 day', 1, { 1: 0, 2: 0, 3: 0, 4: 1 }],
      ['1 to 7 days', 0, { 1: 0, 2: 0, 3: 0, 4: 0 }],
      ['7 to 30 days', 2, { 1: 1, 2: 1, 3: 0, 4: 0 }],
      ['30 days and over', 1, { 1: 0, 2: 1, 3: 0, 4: 0 }],
    ]);
    expect(k.backlog.oldestDays).toBe(70);
  });

  it('shares of the orders made: condition (PdM) / PM / corrective (CM)', () => {
    // Made in the window, flood and held aside: o1 CM, o2 CM, o3 PdM, o4 PM, o5 PdM.
    expect(k.orders).toEqual({ made: 5, floods: 1, held: 1 });
    expect(k.shares).toEqual({ counts: { condition: 2, pm: 1, corrective: 2 }, condition: 0.4, pm: 0.2, corrective: 0.4 });
  });

  it('MTTR of corrective orders and MTBF between them per asset', () => {
    // Created → completed: 6 h and 10 h; in progress → completed: 4 h (o2 reported no start).
    expect(k.mttr.toComplete).toEqual({ n: 2, mean: 8, median: 8 });
    expect(k.mttr.repair).toEqual({ n: 1, mean: 4, median: 4 });
    // p1: o1 and o2 made 10 days apart = 240 h (o8 is before the window).
    expect(k.mtbf).toEqual([{ asset: 'p1', correctiveOrders: 2, mtbfHours: 240 }]);
  });

  it('lead time of condition orders: to start, to completion, and the warning before escalation', () => {
    expect(k.conditionLeadTime.toStart).toEqual({ n: 1, mean: 24, median: 24 });
    expect(k.conditionLeadTime.toComplete).toEqual({ n: 1, mean: 12, median: 12 });
    expect(k.conditionLeadTime.warning).toEqual({ n: 1, mean: 48, median: 48 });
  });

  it('spread: mean and median of an even and an odd list', () => {
    expect(spread([4, 1, 10, 3])).toEqual({ n: 4, mean: 4.5, median: 3.5 });
    expect(spread([5, 1, 2])).toEqual({ n: 3, mean: 2.67, median: 2 });
    expect(spread([])).toEqual({ n: 0, mean: null, median: null });
  });
});
