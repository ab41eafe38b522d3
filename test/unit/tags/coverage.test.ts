import { describe, expect, it } from 'vitest';
import { rng } from '../../../simulators/plant/model.js';
import { DailyWindow } from '../../../src/tags/daily.js';
import { ReportingInterval } from '../../../src/tags/interval.js';
import { Window } from '../../../src/tags/window.js';

const H = 3_600_000;
const D = 24 * H;

/** A window with coverage fed by a sensor of the given period (jitter ±10 %), and its interval. */
function feed(windowMs: number, periodMs: number, from: number, to: number, seed = 1, skip: (t: number) => boolean = () => false) {
  const n = rng(seed);
  const spacing = new ReportingInterval(Number.NaN);
  const w = new Window(windowMs, ['regression', 'coverage']);
  w.spacing = spacing;
  for (let t = from; t < to; t += periodMs * (0.9 + 0.2 * n())) {
    if (skip(t)) continue;
    w.add(t, 50 + n());
    spacing.add(t);
  }
  return { w, spacing };
}

describe('window coverage by time', () => {
  it('is the same share of the window for a 1 s, a 10 min and a 1 h sensor', () => {
    for (const [windowMs, period] of [[H, 1000], [D, 600_000], [D, H], [7 * D, H]] as const) {
      const half = feed(windowMs, period, 0, windowMs / 2).w.coverage(windowMs / 2);
      const full = feed(windowMs, period, 0, 3 * windowMs).w.coverage(3 * windowMs);
      expect(half, `${period} ms in ${windowMs} ms, half filled`).toBeGreaterThan(0.4);
      expect(half).toBeLessThan(0.52);
      expect(full, `${period} ms in ${windowMs} ms, filled`).toBeGreaterThan(0.97);
    }
  });

  it('counts a dropout as a hole, one or two lost reports not', () => {
    const dropout = feed(D, 60_000, 0, 2 * D, 2, (t) => t > 1.5 * D && t < 1.5 * D + 6 * H).w.coverage(2 * D);
    expect(dropout).toBeGreaterThan(0.72);
    expect(dropout).toBeLessThan(0.77);
    let k = 0;
    const lossy = feed(D, 600_000, 0, 2 * D, 3, () => k++ % 10 === 3 || k % 10 === 5).w.coverage(2 * D); // 2 in 10 lost
    expect(lossy).toBeGreaterThan(0.97);
  });

  it('falls once the sensor falls silent, as the silence grows', () => {
    const { w } = feed(D, 600_000, 0, 2 * D);
    expect(w.coverage(2 * D)).toBeGreaterThan(0.97);
    expect(w.coverage(2 * D + 6 * H)).toBeCloseTo((18 + 3.5 / 6) / 24, 2); // the first 35 min of the silence are not overdue yet
    expect(w.coverage(4 * D)).toBe(0);
  });

  it('a restored window reads what the saved one read, and both go on alike', () => {
    const a = feed(D, 60_000, 0, 1.5 * D, 4);
    const b = new Window(D, ['coverage']); // a rule set that asks for less than was saved
    b.spacing = a.spacing;
    expect(b.restore(a.w.snapshot())).toBe(true);
    const n = rng(8);
    for (let t = 1.5 * D; t < 2 * D; t += 60_000) {
      const v = 50 + t / D + n();
      a.w.add(t, v);
      b.add(t, v);
      if (t % (17 * 60_000) !== 0) continue;
      expect(b.coverage(t)).toBeCloseTo(a.w.coverage(t), 9);
      expect(b.fit(t).slope).toBeCloseTo(a.w.fit(t).slope, 6);
      expect(b.avg(t)).toBeCloseTo(a.w.avg(t), 9);
    }
    expect(new Window(H).restore(a.w.snapshot())).toBe(false); // another length: not this window's state
  });
});

describe('daily window', () => {
  /** A day-cycle signal: mean 70, ±6 with the load, plus `rise` per day from day `from`. */
  const signal = (t: number, rise: number, from = 0) => 70 + 6 * Math.sin((2 * Math.PI * t) / D) + Math.max(0, t / D - from) * rise;

  function daily(days: number, until: number, rise: number, period = 600_000) {
    const spacing = new ReportingInterval(Number.NaN);
    const w = new DailyWindow(days);
    w.spacing = spacing;
    for (let t = 0; t < until; t += period) (w.add(t, signal(t, rise)), spacing.add(t));
    return w;
  }

  it('has no trend in a steady daily cycle at any hour, where a 24 h least-squares line swings', () => {
    const w = daily(7, 20 * D, 0);
    const raw = feed(D, 600_000, 0, 0).w; // compare: a plain 24 h trend of the same signal
    const spacing = new ReportingInterval(Number.NaN);
    raw.spacing = spacing;
    for (let t = 0; t < 20 * D; t += 600_000) (raw.add(t, signal(t, 0)), spacing.add(t));
    let swing = 0;
    for (let h = 0; h < 24; h++) {
      const now = 20 * D + h * H;
      const f = w.fit(now, 'max', 0.9);
      expect(f.n).toBe(7);
      expect(Math.abs(f.slope)).toBeLessThan(1e-9);
      expect(f.fitted).toBeCloseTo(76, 1);
      swing = Math.max(swing, Math.abs(raw.fit(20 * D - 600_000 + h * H).slope));
    }
    expect(swing).toBeGreaterThan(0.3); // °C/h: the morning rise a 24 h line reads as a trend
  });

  it('fits the daily rise through complete days only, per hour, at midday of each', () => {
    const w = daily(7, 10.5 * D, 0.5);
    const f = w.fit(10.5 * D, 'mean', 0.9);
    expect(f.n).toBe(7);
    expect(f.slope * 24).toBeCloseTo(0.5, 3);
    expect(f.fitted).toBeCloseTo(70 + 10.5 * 0.5, 1);
    expect(f.coverage).toBeGreaterThan(0.99);
  });

  it('leaves out days with too little data, and says how much of the window is covered', () => {
    const spacing = new ReportingInterval(Number.NaN);
    const w = new DailyWindow(7);
    w.spacing = spacing;
    for (let t = 0; t < 10 * D; t += 600_000) {
      if (t > 5 * D && t < 6 * D) continue; // day 5 lost
      w.add(t, signal(t, 1));
      spacing.add(t);
    }
    const f = w.fit(10 * D, 'max', 0.9);
    expect(f.n).toBe(6);
    expect(f.coverage).toBeGreaterThan(0.83);
    expect(f.coverage).toBeLessThan(0.87);
    expect(f.slope * 24).toBeCloseTo(1, 2);
    expect(w.fit(10 * D, 'max', 0.9)).toBe(f); // cached within the day
  });

  it('a restored daily window reads the same', () => {
    const a = daily(7, 9.3 * D, 0.2);
    const b = new DailyWindow(7);
    b.spacing = a.spacing;
    expect(b.restore(a.snapshot())).toBe(true);
    expect(b.fit(9.3 * D, 'max', 0.9)).toEqual(a.fit(9.3 * D, 'max', 0.9));
    expect(new DailyWindow(14).restore(a.snapshot())).toBe(false);
  });
});
