import { describe, expect, it } from 'vitest';
import type { ReplayResult } from '../../../src/replay/backtest.js';
import type { ReplayEvent } from '../../../src/replay/events.js';
import { firstCrossing, formatSpan, leadTimes, parseLimit } from '../../../src/replay/lead-time.js';
import { formatScorecard, scorecard } from '../../../src/replay/scorecard.js';
import { tableOf } from '../../../src/rules/sample-table.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString();

function ev(type: ReplayEvent['type'], t: number, asset: string, rule: string, extra: Partial<ReplayEvent> = {}): ReplayEvent {
  return { type, ts: iso(t), rule, asset, priority: 3, episode: 1, ...extra };
}

// Two assets sampled over 60.875 days (two months), a third in the samples but not in the site.
const table = tableOf([
  { ts: T0, asset: 'p-1', tag: 'temp', value: 60 },
  { ts: T0, asset: 'p-2', tag: 'temp', value: 60 },
  { ts: T0, asset: 'x-9', tag: 'temp', value: 60 },
  { ts: T0 + 10 * DAY, asset: 'p-1', tag: 'temp', value: 96 },
  { ts: T0 + 20 * DAY, asset: 'p-1', tag: 'temp', value: 99 },
  { ts: T0 + 60.875 * DAY, asset: 'p-2', tag: 'temp', value: 61 },
]);
const known = Int32Array.from(table.names, (n) => (n.asset === 'x-9' ? -1 : 0));

function result(events: ReplayEvent[]): ReplayResult {
  return { events, samples: 6, replayed: 5, bad: 0, unknown: { assets: [{ asset: 'x-9', samples: 1 }], tags: [] }, from: T0, to: T0 + 60.875 * DAY, ticks: 0, timedChecks: 0 };
}

describe('scorecard', () => {
  it('counts work orders per asset-month, by asset and by rule, and the alarms behind them', () => {
    const events = [
      ev('alarm', T0 + DAY, 'p-1', 'hot', { change: 'raised' }),
      ev('workorder', T0 + DAY, 'p-1', 'hot'),
      ev('workorder', T0 + 2 * DAY, 'p-1', 'hot'),
      ev('workorder', T0 + 3 * DAY, 'p-1', 'stale'),
      ev('alarm', T0 + 3 * DAY, 'p-2', 'hot', { change: 'chattering' }),
      ev('workorder', T0 + 4 * DAY, 'p-2', 'stale'),
    ];
    const s = scorecard(result(events), table, known);
    expect(s.assets).toBe(2);
    expect(s.days).toBe(60.88);
    expect(s.workOrders).toBe(4);
    expect(s.perAssetMonth).toBe(1); // 4 orders / (2 assets × 2 months)
    expect(s.byAsset).toEqual([
      { asset: 'p-1', orders: 3, perMonth: 1.5 },
      { asset: 'p-2', orders: 1, perMonth: 0.5 },
    ]);
    expect(s.byRule).toEqual([
      { rule: 'hot', orders: 2 },
      { rule: 'stale', orders: 2 },
    ]);
    expect(s.alarms).toEqual({ raised: 1, chattering: 1 });
    expect(s.samples).toEqual({ total: 6, replayed: 5, bad: 0, notInSite: 1 });
    expect(formatScorecard(s)).toMatch(/work orders {3}4 {2}\(1 per asset-month\)/);
  });

  it('counts order updates and flood holds when the replay reports them, zero before', () => {
    expect(scorecard(result([ev('workorder', T0, 'p-1', 'hot')]), table, known)).toMatchObject({ updates: 0, floodHolds: 0 });
    const s = scorecard(result([ev('workorder', T0, 'p-1', 'hot'), ev('update', T0 + DAY, 'p-1', 'hot'), ev('update', T0 + 2 * DAY, 'p-1', 'trip'), ev('held', T0 + 3 * DAY, 'p-2', 'hot')]), table, known);
    expect(s).toMatchObject({ workOrders: 1, updates: 2, floodHolds: 1 });
    expect(formatScorecard(s)).toMatch(/order updates 2\n {2}flood holds {3}1/);
  });
});

describe('lead time before a limit', () => {
  it('reads --limit asset/tag=value (crossed going up) and asset/tag<=value (going down)', () => {
    expect(parseLimit('p-1/temp=95')).toEqual({ asset: 'p-1', tag: 'temp', value: 95, below: false });
    expect(parseLimit('p-1/temp>=9.5')).toEqual({ asset: 'p-1', tag: 'temp', value: 9.5, below: false });
    expect(parseLimit('p-1/pressure<=-2e-1')).toEqual({ asset: 'p-1', tag: 'pressure', value: -0.2, below: true });
    expect(() => parseLimit('p-1 temp 95')).toThrow(/expected asset\/tag=value/);
  });

  it('dates the first crossing in the samples; each order on the asset gets its lead (negative: after)', () => {
    expect(firstCrossing(table, parseLimit('p-1/temp=95'))).toBe(T0 + 10 * DAY);
    expect(firstCrossing(table, parseLimit('p-1/temp<=59'))).toBeUndefined();
    const events = [ev('workorder', T0 + 7 * DAY, 'p-1', 'trend'), ev('workorder', T0 + 10 * DAY, 'p-1', 'alarm'), ev('workorder', T0 + 11 * DAY, 'p-1', 'trip'), ev('workorder', T0, 'p-2', 'other')];
    const l = leadTimes(events, table, parseLimit('p-1/temp=95'));
    expect(l.crossedAt).toBe(iso(T0 + 10 * DAY));
    expect(l.orders.map((o) => [o.rule, o.leadMs])).toEqual([
      ['trend', 3 * DAY],
      ['alarm', 0],
      ['trip', -DAY],
    ]);
    const text = formatScorecard(scorecard(result(events), table, known, [l]));
    expect(text).toContain('lead time before p-1/temp ≥ 95 (first crossed 2026-01-11T00:00:00.000Z):');
    expect(text).toMatch(/trend {2}#1 {2}3d before/);
    expect(text).toMatch(/alarm {2}#1 {2}at the crossing/);
    expect(text).toMatch(/trip {2}#1 {2}1d after/);
    const never = leadTimes(events, table, parseLimit('p-1/temp=200'));
    expect(never.crossedAt).toBeNull();
    expect(formatScorecard(scorecard(result(events), table, known, [never]))).toContain('never crossed in the samples (3 orders on the asset)');
  });

  it('writes spans for people', () => {
    expect(formatSpan(0)).toBe('0s');
    expect(formatSpan(90_000)).toBe('1m 30s');
    expect(formatSpan(3 * DAY + 4 * 3_600_000 + 5_000)).toBe('3d 4h');
    expect(formatSpan(-2 * 3_600_000)).toBe('2h');
  });
});
