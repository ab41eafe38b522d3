import { lineFromSums } from './least-squares.js';
import { GAP_TOLERANCE, RING, WindowBuckets } from './window-buckets.js';

export { BUCKETS, GAP_TOLERANCE } from './window-buckets.js';
export type { Need } from './window-layout.js';

export interface Fit {
  /** Least-squares slope, units per hour. */
  slope: number;
  /** Standard error of the slope (units per hour). */
  slopeSe: number;
  /** Fitted value at the query time. */
  fitted: number;
  n: number;
}

/**
 * A sliding time window kept as summary statistics in time buckets, never as samples: memory is
 * fixed whatever the sample rate (see {@link WindowBuckets}). Reading an average, a standard
 * deviation, a least-squares slope or the time coverage costs O(1); only min/max and rate scan
 * buckets. Reads do not evict: a later read may be for an earlier time.
 */
export class Window extends WindowBuckets {
  /**
   * Share of the window's length covered by data at `now` (0–1): the time between consecutive
   * samples up to {@link GAP_TOLERANCE} reporting intervals, and since the newest sample as long as
   * the next is not overdue. Rate-independent: a 1 s and a 1 h sensor both cover a full window.
   * NaN when the window does not keep coverage.
   */
  coverage(now: number): number {
    if (this.l.cv < 0) return Number.NaN;
    let c = this.totals(now).cv;
    const since = now - this.lastTs;
    if (since > 0) {
      // The stretch since the newest sample, as far as it is not overdue and lies in the window.
      const tol = this.spacing!.typical * GAP_TOLERANCE;
      const end = this.lastTs + (since < tol ? since : tol > 0 ? tol : 0);
      const from = now - this.windowMs;
      c += end - (this.lastTs > from ? this.lastTs : from) > 0 ? end - (this.lastTs > from ? this.lastTs : from) : 0;
    }
    return c >= this.windowMs ? 1 : c / this.windowMs;
  }

  /**
   * Whether the window's data quality lets its statistics be known at `now`: at most
   * `maxBadShare` (0–1) of the samples that arrived in it were Bad (OPC UA Part 13 §5.4.3.2.1,
   * PercentDataBad, counted over raw values as for its Average; Uncertain counts as Good, its
   * TreatUncertainAsBad = False). True at once for a window that never took a Bad sample.
   */
  goodEnough(now: number, maxBadShare: number): boolean {
    if (this.bad === undefined) return true;
    const bad = this.badCount(now);
    return bad === 0 || bad <= maxBadShare * (bad + this.totals(now).n);
  }

  count(now: number): number {
    return this.totals(now).n;
  }

  min_(now: number): number {
    const l = this.l;
    let m = Infinity;
    for (let p = 0; p < RING * l.stride; p += l.stride) if (this.live(p, now) && this.d[p + l.mn]! < m) m = this.d[p + l.mn]!;
    return m === Infinity ? Number.NaN : m;
  }

  max_(now: number): number {
    const l = this.l;
    let m = -Infinity;
    for (let p = 0; p < RING * l.stride; p += l.stride) if (this.live(p, now) && this.d[p + l.mx]! > m) m = this.d[p + l.mx]!;
    return m === -Infinity ? Number.NaN : m;
  }

  /** Sample standard deviation. */
  stddev(now: number): number {
    const r = this.totals(now);
    const n = r.n;
    if (n < 2) return Number.NaN;
    return Math.sqrt(Math.max(0, (r.sq - (r.sum * r.sum) / n) / (n - 1)));
  }

  /** Change from the oldest to the newest sample in the window, per hour. */
  rate(now: number): number {
    const l = this.l;
    const d = this.d;
    let ft = Infinity;
    let fv = Number.NaN;
    let lt = -Infinity;
    let lv = Number.NaN;
    for (let p = 0; p < RING * l.stride; p += l.stride) {
      if (!this.live(p, now)) continue;
      if (d[p + l.ft]! < ft) (ft = d[p + l.ft]!), (fv = d[p + l.fv]!);
      if (d[p + l.lt]! > lt) (lt = d[p + l.lt]!), (lv = d[p + l.lv]!);
    }
    if (!(lt > ft)) return Number.NaN;
    return ((lv - fv) / (lt - ft)) * 3_600_000;
  }

  /** Least-squares line through every sample in the window (from the running sums). */
  fit(now: number): Fit {
    const r = this.totals(now);
    const n = r.n;
    const line = n < 3 ? undefined : lineFromSums(n, r.t, r.sum, r.tt, r.tv, r.sq);
    if (!line || Number.isNaN(line.slope)) return { slope: Number.NaN, slopeSe: Number.NaN, fitted: Number.NaN, n };
    return { slope: line.slope, slopeSe: line.slopeSe, fitted: line.intercept + line.slope * ((now - this.origin) / 3_600_000), n };
  }
}
