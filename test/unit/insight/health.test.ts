import { describe, expect, it } from 'vitest';
import { assetHealth, healthBand, type HealthAlarm, type HealthInput } from '../../../src/insight/health.js';

const none: HealthInput = { alarms: [], trends: [], sensors: [], pm: [], openOrders: [], recentOrders: [] };
const alarm = (priority: 1 | 2 | 3 | 4, more: Partial<HealthAlarm> = {}): HealthAlarm => ({ rule: `r${priority}`, name: `Rule ${priority}`, priority, active: true, acknowledged: false, shelved: false, outOfService: false, ...more });
const MIN = 60_000;

/** Each reason on a worked example: the expected score is 100 minus the weights in the comment. */
describe('asset health: one reason at a time', () => {
  it('nothing wrong: 100, no reasons', () => {
    expect(assetHealth(none)).toEqual({ score: 100, reasons: [] });
  });

  it('active alarms weigh by priority; shelved ones count, cleared ones do not', () => {
    // P1 40 + P2 25 (shelved) + P3 10 + P4 5 = 80 → 20; the cleared P1 adds nothing.
    const h = assetHealth({ ...none, alarms: [alarm(1), alarm(2, { shelved: true }), alarm(3, { acknowledged: true }), alarm(4), alarm(1, { rule: 'gone', active: false })] });
    expect(h.score).toBe(20);
    expect(h.reasons.map((r) => [r.kind, r.weight, r.detail])).toEqual([
      ['alarm', 40, 'P1 alarm Rule 1 (unacknowledged)'],
      ['alarm', 25, 'P2 alarm Rule 2 (shelved)'],
      ['alarm', 10, 'P3 alarm Rule 3 (acknowledged)'],
      ['alarm', 5, 'P4 alarm Rule 4 (unacknowledged)'],
    ]);
  });

  it('an alarm out of service is listed at weight 0', () => {
    const h = assetHealth({ ...none, alarms: [alarm(1, { outOfService: true })] });
    expect(h.score).toBe(100);
    expect(h.reasons).toEqual([{ kind: 'out-of-service', weight: 0, detail: 'Rule 1: out of service, its alarms and orders are suppressed', ref: 'r1' }]);
  });

  it('trend predictions weigh by hours to the limit: ≤ 24 h 30, ≤ 72 h 20, ≤ 168 h 10', () => {
    const t = (hours: number, tag = 'bearing_temp') => ({ rule: 'trend', tag, name: tag === 'bearing_temp' ? 'Bearing temperature' : undefined, hours, limit: 95, unit: '°C' });
    // 20 h → 30; 72 h → 20 (inclusive); 100 h → 10; 200 h, Infinity, NaN → nothing: 60 off → 40.
    const h = assetHealth({ ...none, trends: [t(20), t(72, 'a'), t(100, 'b'), t(200, 'c'), t(Infinity, 'd'), t(Number.NaN, 'e')] });
    expect(h.score).toBe(40);
    expect(h.reasons.map((r) => r.weight)).toEqual([30, 20, 10]);
    expect(h.reasons[0]!.detail).toBe('Bearing temperature predicted to reach 95 °C in 20 h');
    expect(h.reasons[2]!.detail).toBe('b predicted to reach 95 °C in 4 days'); // 100 h ≈ 4.2 days
  });

  it('sensors: Bad 10, silent beyond staleAfter 10, Uncertain 5, together at most 30', () => {
    const s = (tag: string, quality: 'Good' | 'Uncertain' | 'Bad' | undefined, silentFor: number) => ({ tag, name: tag, quality, silentFor });
    // Bad 10 + stale 10 (20 min > 15) = 20 → 80; a Good one 14 min old is fine.
    expect(assetHealth({ ...none, sensors: [s('a', 'Bad', 0), s('b', 'Good', 20 * MIN), s('c', 'Good', 14 * MIN)] }).score).toBe(80);
    // Uncertain 5 → 95.
    expect(assetHealth({ ...none, sensors: [s('u', 'Uncertain', 0)] }).score).toBe(95);
    // Four Bad sensors would be 40: capped at 30 → 70; the fourth is still listed, at 0.
    const four = assetHealth({ ...none, sensors: ['a', 'b', 'c', 'd'].map((t) => s(t, 'Bad', 0)) });
    expect(four.score).toBe(70);
    expect(four.reasons.map((r) => r.weight)).toEqual([10, 10, 10, 0]);
    // Never reported, 16 min after start.
    expect(assetHealth({ ...none, sensors: [s('n', undefined, 16 * MIN)] }).reasons[0]!.detail).toBe('n: no value yet for 16 min');
    // A policy with a longer stale time: 20 min is fine.
    expect(assetHealth({ ...none, sensors: [s('b', 'Good', 20 * MIN)] }, { staleAfter: 30 * MIN, recentDays: 30 }).score).toBe(100);
  });

  it('PM meters: past due 15, within 90 % of due 5', () => {
    const pm = (value: number) => ({ rule: 'pm', name: '2,000 run-hour service', meter: 'run_hours', value, due: 2000, unit: 'h' });
    expect(assetHealth({ ...none, pm: [pm(2000)] }).score).toBe(85); // at due: past due
    expect(assetHealth({ ...none, pm: [pm(1800)] }).score).toBe(95); // 1,800 = 90 % of 2,000
    expect(assetHealth({ ...none, pm: [pm(1799)] }).score).toBe(100);
    expect(assetHealth({ ...none, pm: [pm(2150.4)] }).reasons[0]!.detail).toBe('2,000 run-hour service: due at 2000 h, now 2150 h');
  });

  it('orders open in the CMMS weigh by priority, together at most 30', () => {
    const o = (id: string, priority: 1 | 2 | 3 | 4, status = 'open') => ({ id, title: `order ${id}`, priority, status });
    // P1 15 + P3 5 + P4 2 = 22 → 78.
    expect(assetHealth({ ...none, openOrders: [o('a', 1), o('b', 3, 'in_progress'), o('c', 4)] }).score).toBe(78);
    // P1 15 + P1 15 + P2 10 = 40 capped at 30 → 70.
    expect(assetHealth({ ...none, openOrders: [o('a', 1), o('b', 1), o('c', 2)] }).score).toBe(70);
    expect(assetHealth({ ...none, openOrders: [o('b', 3, 'in_progress')] }).reasons[0]!.detail).toBe('P3 order in progress in the CMMS: order b');
  });

  it('condition orders completed recently: 3 each, at most 15', () => {
    const o = (id: string) => ({ id, title: id, priority: 3 as const, status: 'completed' });
    expect(assetHealth({ ...none, recentOrders: [o('a'), o('b')] }).score).toBe(94); // 2 × 3
    expect(assetHealth({ ...none, recentOrders: ['a', 'b', 'c', 'd', 'e', 'f'].map(o) }).score).toBe(85); // 18 capped at 15
  });

  it('reasons add up, heaviest first, and the score stops at 0', () => {
    // The degrading pump: P2 alarm 25 + trend in 30 h 20 + its P2 order open 10 = 55 → 45.
    const h = assetHealth({ ...none, alarms: [alarm(2)], trends: [{ rule: 't', tag: 'bearing_temp', hours: 30, limit: 95, unit: '°C' }], openOrders: [{ id: 'o', title: 'o', priority: 2, status: 'open' }] });
    expect(h.score).toBe(45);
    expect(h.reasons.map((r) => r.kind)).toEqual(['alarm', 'trend', 'open-order']);
    expect(healthBand(h.score)).toBe('act');
    // Two P1 alarms 80 + trend 30 = 110 → 0, not −10.
    expect(assetHealth({ ...none, alarms: [alarm(1), alarm(1, { rule: 'x' })], trends: [{ rule: 't', tag: 'x', hours: 1, limit: 1, unit: undefined }] }).score).toBe(0);
    expect([healthBand(80), healthBand(79.9), healthBand(50), healthBand(49)]).toEqual(['good', 'watch', 'watch', 'act']);
  });
});
