import { describe, expect, it } from 'vitest';
import * as L from '../../../src/alarms/lifecycle.js';
import type { AlarmPolicy, Emitted } from '../../../src/alarms/lifecycle.js';

const policy = (p: Partial<AlarmPolicy> = {}): AlarmPolicy => ({ onDelay: 0, offDelay: 0, chatterCount: 3, chatterWindow: 60_000, repeatPerHour: 5, repeatPerDay: 12, ...p });

/** Steps an alarm and returns what it emitted, as `change` or `change+order`. */
function stepper(p: AlarmPolicy) {
  const s = L.initialAlarmState();
  const out: Emitted[] = [];
  const fmt = () => out.splice(0).map((e) => (e.order ? `${e.change}+order` : e.change));
  return {
    s,
    step: (raise: boolean, hold: boolean, ts: number) => (L.stepAlarm(s, raise, hold, ts, p, out), fmt()),
    expire: (ts: number) => (L.expireAlarm(s, ts, p, out), fmt()),
    shelve: (ts: number, until: number) => (L.shelve(s, ts, until, out), fmt()),
    ack: (ts: number) => (L.acknowledge(s, ts, out), fmt()),
    oos: (ts: number, on: boolean) => (L.setOutOfService(s, ts, on, out), fmt()),
  };
}

describe('alarm lifecycle (ISA-18.2)', () => {
  it('raises once per excursion with an order, clears, and re-alarms after return to normal', () => {
    const a = stepper(policy());
    expect(a.step(true, false, 0)).toEqual(['raised+order']);
    expect(L.stateName(a.s)).toBe('unacknowledged');
    expect(a.step(true, true, 1)).toEqual([]);
    expect(a.step(false, true, 2)).toEqual([]); // inside the deadband
    expect(a.step(false, false, 3)).toEqual(['cleared']);
    expect(L.stateName(a.s)).toBe('rtn_unacknowledged');
    expect(a.ack(4)).toEqual(['acknowledged']);
    expect(L.stateName(a.s)).toBe('normal');
    expect(a.step(true, false, 100_000)).toEqual(['raised+order']);
    expect(a.s.episode).toBe(2);
  });

  it('on-delay: a spike shorter than the delay does not raise', () => {
    const a = stepper(policy({ onDelay: 5000 }));
    expect(a.step(true, false, 0)).toEqual([]);
    expect(a.step(true, false, 4000)).toEqual([]);
    expect(a.step(false, false, 4500)).toEqual([]); // the spike is over
    expect(a.step(true, false, 6000)).toEqual([]); // timer restarts
    expect(a.step(true, false, 10_999)).toEqual([]);
    expect(a.step(true, false, 11_000)).toEqual(['raised+order']);
  });

  it('off-delay: the return to normal must hold', () => {
    const a = stepper(policy({ offDelay: 2000 }));
    a.step(true, false, 0);
    expect(a.step(false, false, 1000)).toEqual([]);
    expect(a.step(true, true, 1500)).toEqual([]);
    expect(a.step(false, false, 2000)).toEqual([]);
    expect(a.step(false, false, 4000)).toEqual(['cleared']);
  });

  it('chattering: the third transition in a minute flags it and holds back orders until it settles', () => {
    const a = stepper(policy());
    expect(a.step(true, false, 0)).toEqual(['raised+order']);
    expect(a.step(false, false, 10_000)).toEqual(['cleared']);
    expect(a.step(true, false, 20_000)).toEqual(['chattering', 'raised']);
    expect(a.step(false, false, 30_000)).toEqual(['cleared']);
    expect(a.step(true, false, 40_000)).toEqual(['raised']);
    expect(a.s.suppressed).toBe(2);
    expect(a.expire(99_999)).toEqual([]);
    expect(a.expire(100_000)).toEqual(['chattering_ended']);
    expect(a.step(false, false, 200_000)).toEqual(['cleared']);
    expect(a.step(true, false, 300_000)).toEqual(['raised+order']);
  });

  it('shelved: no order; when the shelve expires with the alarm still active, the order comes', () => {
    const a = stepper(policy());
    expect(a.shelve(0, 60_000)).toEqual(['shelved']);
    expect(a.step(true, false, 1000)).toEqual(['raised']);
    expect(L.stateName(a.s)).toBe('shelved');
    expect(a.expire(59_999)).toEqual([]);
    expect(a.expire(60_000)).toEqual(['unshelved+order']);
    expect(L.stateName(a.s)).toBe('unacknowledged');
  });

  it('out of service: no orders while the asset is in maintenance', () => {
    const a = stepper(policy());
    expect(a.oos(0, true)).toEqual(['out_of_service']);
    expect(a.step(true, false, 1)).toEqual(['raised']);
    expect(a.step(false, false, 2)).toEqual(['cleared']);
    expect(a.oos(3, false)).toEqual(['in_service']); // not active: nothing due
  });

  it('repeating (EEMUA 191): more raises in an hour than allowed ask for no order until the hour calms down', () => {
    const a = stepper(policy({ chatterCount: 100, repeatPerHour: 3, repeatPerDay: 100 }));
    const min = 60_000;
    const raiseAndClear = (t: number) => [...a.step(true, false, t), ...a.step(false, false, t + min)];
    expect(raiseAndClear(0)).toEqual(['raised+order', 'cleared']);
    expect(raiseAndClear(10 * min)).toEqual(['raised+order', 'cleared']);
    expect(raiseAndClear(20 * min)).toEqual(['raised+order', 'cleared']);
    expect(raiseAndClear(30 * min)).toEqual(['repeating', 'raised', 'cleared']); // the fourth within the hour
    expect(a.s.repeating).toBe(true);
    expect(a.expire(59 * min)).toEqual([]); // raises at 0, 10, 20 and 30 min within the hour
    expect(a.expire(60 * min)).toEqual(['repeating_ended']); // the one at 0 left the hour
    expect(a.s.suppressed).toBe(1);
  });

  it('repeating ends when both the hour and the day hold no more raises than allowed', () => {
    const a = stepper(policy({ chatterCount: 100, repeatPerHour: 100, repeatPerDay: 2 }));
    const h = 3_600_000;
    for (const t of [0, 2 * h]) a.step(true, false, t), a.step(false, false, t + 1);
    expect(a.step(true, false, 4 * h)).toEqual(['repeating', 'raised']);
    a.step(false, false, 4 * h + 1);
    expect(a.expire(23 * h)).toEqual([]);
    expect(a.expire(24 * h + 1)).toEqual(['repeating_ended']); // the raise at 0 left the day
    expect(a.step(true, false, 27 * h)).toEqual(['raised+order']); // the day (3 h, 27 h] holds 4 h and this one
  });
});
