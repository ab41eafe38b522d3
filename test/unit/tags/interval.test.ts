import { describe, expect, it } from 'vitest';
import { rng } from '../../../simulators/plant/model.js';
import { MIN_SPACINGS, ReportingInterval, SPACINGS } from '../../../src/tags/interval.js';

/** The median of the last `SPACINGS` spacings, by sorting them. */
function bruteMedian(ts: number[]): number {
  const gaps = ts.slice(1).map((t, i) => t - ts[i]!).slice(-SPACINGS).sort((a, b) => a - b);
  const n = gaps.length;
  return n % 2 ? gaps[(n - 1) / 2]! : (gaps[n / 2 - 1]! + gaps[n / 2]!) / 2;
}

describe('reporting interval', () => {
  it('learns the median spacing once it has a few, whatever the odd gap', () => {
    const r = new ReportingInterval(Number.NaN);
    const ts = [0, 600_000, 1_200_000];
    for (const t of ts) r.add(t);
    expect(r.value).toBeNaN(); // two spacings: not yet
    r.add(1_800_000);
    expect(MIN_SPACINGS).toBe(3);
    expect(r.value).toBe(600_000);
    r.add(1_800_000 + 5 * 3_600_000); // a 5-hour dropout
    r.add(1_800_000 + 5 * 3_600_000 + 600_000);
    expect(r.value).toBe(600_000);
  });

  it('matches a sorted median over the last 15 spacings at every sample, with duplicates and late samples ignored', () => {
    const n = rng(4);
    const r = new ReportingInterval(Number.NaN);
    const seen: number[] = [];
    let t = 1_000_000;
    for (let i = 0; i < 2000; i++) {
      const k = n();
      if (k < 0.05 && seen.length) {
        r.add(seen[seen.length - 1]!); // a duplicate
        r.add(seen[seen.length - 1]! - 500); // a late sample
        continue;
      }
      t += k < 0.1 ? 60_000 + Math.floor(n() * 3_600_000) : 9_000 + Math.floor(n() * 2_000);
      seen.push(t);
      r.add(t);
      if (seen.length > MIN_SPACINGS) expect(r.value).toBe(bruteMedian(seen));
    }
  });

  it('uses the configured interval when there is one, and learns beside it', () => {
    const r = new ReportingInterval(600_000);
    expect(r.value).toBe(600_000);
    for (let t = 0; t < 10_000; t += 1000) r.add(t);
    expect(r.value).toBe(600_000);
    expect(r.learned()).toBe(1000);
  });

  it('comes back from a snapshot as it was, and goes on the same way', () => {
    const a = new ReportingInterval(Number.NaN);
    const b = new ReportingInterval(Number.NaN);
    const n = rng(5);
    let t = 0;
    for (let i = 0; i < 40; i++) a.add((t += 1000 + Math.floor(n() * 500)));
    expect(b.restore(a.snapshot())).toBe(true);
    expect([b.value, b.lastTs]).toEqual([a.value, a.lastTs]);
    for (let i = 0; i < 40; i++) {
      t += 1000 + Math.floor(n() * 9000);
      a.add(t);
      b.add(t);
      expect(b.value).toBe(a.value);
    }
    expect(b.restore(new Float64Array(3))).toBe(false);
  });
});
