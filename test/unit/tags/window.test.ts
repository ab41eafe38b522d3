import { describe, expect, it } from 'vitest';
import { rng } from '../../../simulators/plant/model.js';
import { timeToLimit } from '../../../src/rules/facts.js';
import { Cusum, Ewma } from '../../../src/tags/features.js';
import { Meters } from '../../../src/tags/meters.js';
import { Window } from '../../../src/tags/window.js';

/** Brute-force statistics over the samples a window should still hold. */
function brute(samples: [number, number][], from: number) {
  const xs = samples.filter(([t]) => t > from);
  const vs = xs.map(([, v]) => v);
  const n = vs.length;
  const mean = vs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const tm = xs.reduce((a, [t]) => a + t, 0) / n;
  const slope = xs.reduce((a, [t, v]) => a + (t - tm) * (v - mean), 0) / xs.reduce((a, [t]) => a + (t - tm) ** 2, 0);
  return { n, mean, sd, min: Math.min(...vs), max: Math.max(...vs), slopePerHour: slope * 3_600_000 };
}

describe('bucketed window', () => {
  it('matches brute-force statistics at bucket-aligned edges', () => {
    const r = rng(3);
    const w = new Window(600_000, ['moments', 'regression', 'extremes', 'endpoints']); // 10 min in 60 buckets of 10 s
    const samples: [number, number][] = [];
    for (let t = 0; t < 1_800_000; t += 1000) {
      const v = 50 + t / 100_000 + (r() - 0.5) * 4;
      samples.push([t, v]);
      w.add(t, v);
    }
    const now = 1_799_999;
    // The window keeps whole buckets, including the one the cut (1,199,999 ms) falls in: from 1,190,000 ms.
    const b = brute(samples, 1_190_000 - 1);
    expect(w.count(now)).toBe(b.n);
    expect(w.avg(now)).toBeCloseTo(b.mean, 9);
    expect(w.stddev(now)).toBeCloseTo(b.sd, 9);
    expect(w.min_(now)).toBe(b.min);
    expect(w.max_(now)).toBe(b.max);
    expect(w.fit(now).slope).toBeCloseTo(b.slopePerHour, 6); // ~36 units/h
    const inWin = samples.filter(([t]) => t >= 1_190_000);
    const [f, l] = [inWin[0]!, inWin[inWin.length - 1]!];
    expect(w.rate(now)).toBeCloseTo(((l[1] - f[1]) / (l[0] - f[0])) * 3_600_000, 9);
  });

  it('running totals match brute force over the live buckets at every read, with gaps and reads between samples', () => {
    const r = rng(9);
    const W = 60_000;
    const w = new Window(W, ['moments', 'regression', 'extremes', 'endpoints']);
    const samples: [number, number][] = [];
    let t = 1_000_000;
    for (let k = 0; k < 20_000; k++) {
      t += r() < 0.01 ? Math.floor(r() * 200_000) : Math.floor(r() * 500); // sometimes a long gap
      const v = Math.sin(k / 50) * 10 + r();
      samples.push([t, v]);
      w.add(t, v);
      if (k % 97 !== 0) continue;
      const now = t + Math.floor(r() * 30_000);
      const bms = w.bucketMs;
      const live = samples.filter(([ts]) => {
        const b = Math.floor(ts / bms);
        return (b + 1) * bms > now - W && b * bms <= now;
      });
      expect(w.count(now)).toBe(live.length);
      if (live.length < 3) continue;
      const b = brute(live, -Infinity);
      expect(w.avg(now)).toBeCloseTo(b.mean, 6);
      expect(w.stddev(now)).toBeCloseTo(b.sd, 6);
      expect(w.min_(now)).toBe(b.min);
      expect(w.max_(now)).toBe(b.max);
      const f = w.fit(now);
      if (Number.isFinite(b.slopePerHour)) expect(Math.abs(f.slope - b.slopePerHour), `slope ${f.slope} vs ${b.slopePerHour}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(b.slopePerHour))); // running sums: ~5 significant digits
    }
  });

  it('takes on more statistics when a rule asks for them, keeping what it had', () => {
    const w = new Window(60_000); // an average only
    const other = new Window(60_000, ['extremes', 'moments']);
    for (let t = 0; t < 30_000; t += 1000) (w.add(t, t / 1000), other.add(t, 100 - t / 1000));
    w.ensure(['moments']); // nothing new for the average's counts; the sum of squares starts at zero
    expect(w.count(29_999)).toBe(30);
    expect(w.avg(29_999)).toBeCloseTo(14.5, 12);
    w.ensure(['extremes']);
    w.ensure(['extremes']); // again: no reset
    for (let t = 30_000; t < 40_000; t += 1000) w.add(t, 1000 + t / 1000);
    expect(w.count(39_999)).toBe(40);
    expect(w.max_(39_999)).toBe(1039); // extremes from the samples after ensure
    expect(w.min_(39_999)).toBe(1030);
    // Another window's reads in between do not leak into this one's (their totals share a scratch object).
    expect(other.avg(29_999)).toBeCloseTo(85.5, 12);
    expect(other.stddev(29_999)).toBeCloseTo(brute(Array.from({ length: 30 }, (_, i) => [i * 1000, 100 - i] as [number, number]), -1).sd, 9);
    expect(w.avg(39_999)).toBeCloseTo((435 + 10345) / 40, 9);
    expect([other.min_(29_999), other.max_(29_999)]).toEqual([71, 100]);
  });

  it('forgets data older than the window and holds a fixed size', () => {
    const w = new Window(60_000, ['moments']);
    for (let t = 0; t < 60_000; t += 100) w.add(t, 1);
    expect(w.count(59_999)).toBe(600);
    expect(w.count(200_000)).toBe(0);
    expect(w.avg(200_000)).toBeNaN();
  });

  it('predicts time to a limit with bounds that bracket the expected value', () => {
    const fit = { slope: 0.5, slopeSe: 0.05, fitted: 80, n: 100 };
    expect(timeToLimit(fit, 95, 0)).toBe(30);
    expect(timeToLimit(fit, 95, 2)).toBeCloseTo(25, 9); // slope 0.6: earliest
    expect(timeToLimit(fit, 95, -2)).toBeCloseTo(37.5, 9); // slope 0.4: latest
    expect(timeToLimit({ ...fit, slope: -0.5 }, 95, 0)).toBe(Infinity); // heading away
    expect(timeToLimit({ ...fit, slope: -0.5 }, 60, 0)).toBe(40); // a low limit approached from above
  });

  it('EWMA and CUSUM follow their textbook recurrences', () => {
    const e = new Ewma(0.5);
    [10, 20, 20].forEach((v) => e.add(v));
    expect(e.value).toBe(17.5);
    const c = new Cusum(10, 1, 'upper');
    [10, 13, 13, 8].forEach((v) => c.add(v));
    expect(c.value).toBe(1); // S: 0, 2, 4, then 8 − 11 = −3 → max(0, 4 − 3) = 1
  });

  it('run hours and starts: gaps longer than maxGap are not run time', () => {
    const H = 3_600_000;
    const m = new Meters(
      [
        { index: 0, key: 'a/rh', assetId: 'a', id: 'rh', type: 'runHours', tagIndex: 0, above: undefined, maxGap: 2 * H },
        { index: 1, key: 'a/st', assetId: 'a', id: 'st', type: 'starts', tagIndex: 0, above: undefined, maxGap: 2 * H },
      ],
      1,
    );
    m.update(0, 0, 1);
    m.update(0, H, 1);
    m.update(0, 2 * H, 0); // stopped after 2 h of running
    m.update(0, 3 * H, 1); // start
    m.update(0, 10 * H, 1); // 7 h gap: not counted
    m.update(0, 11 * H, 0);
    expect(m.value[0]).toBe(3);
    expect(m.value[1]).toBe(1);
  });
});
