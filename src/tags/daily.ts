import { lineFromSums } from './least-squares.js';
import { GAP_TOLERANCE, type Fit } from './window.js';

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export type DailyAgg = 'mean' | 'max' | 'min';

// Fields of one day's slot.
const DAYNUM = 0; // days since 1970-01-01 (UTC), NaN when empty
const CNT = 1;
const SUM = 2;
const MAX = 3;
const MIN = 4;
const COV = 5; // time covered by data (ms), as in Window
const STRIDE = 6;

/** What {@link DailyWindow.fit} returns: the line through the daily values, and the window's coverage. */
export interface DailyFit extends Fit {
  /** Share of the window's complete days covered by data (0–1). */
  coverage: number;
}

/**
 * Daily values of a tag over the last `days` complete days (UTC days), for trends that a daily
 * load cycle must not fool: a line through each day's mean, maximum or minimum has no morning
 * rise in it. The day in progress is kept but not fitted until it is complete (a partial day's
 * maximum is not that day's maximum). Per sample a few stores into a fixed ring of day slots;
 * the fit is computed once per day (or when a sample arrives for a day already fitted) and cached.
 */
export class DailyWindow {
  private readonly d: Float64Array;
  private lastTs = Number.NaN;
  private readonly ring: number;
  /** The tag's reporting interval, for the coverage gap tolerance. */
  spacing: { readonly typical: number } = { typical: Number.NaN };
  // One cached fit per aggregate: valid for its day, threshold, and until a sample lands in a fitted day.
  // `a`: the line's value at the start of `day` (hours from there are its time axis).
  private readonly cache: { day: number; minCoverage: number; a: number; fit: DailyFit }[] = [];

  constructor(readonly days: number) {
    this.ring = days + 1;
    this.d = new Float64Array(this.ring * STRIDE);
    for (let i = 0; i < this.ring; i++) this.d[i * STRIDE + DAYNUM] = Number.NaN;
    for (let a = 0; a < 3; a++) this.cache.push({ day: Number.NaN, minCoverage: Number.NaN, a: Number.NaN, fit: { slope: Number.NaN, slopeSe: Number.NaN, fitted: Number.NaN, n: 0, coverage: 0 } });
  }

  add(ts: number, v: number): void {
    if (!Number.isFinite(v)) return;
    const day = Math.floor(ts / DAY_MS);
    const d = this.d;
    const p = (((day % this.ring) + this.ring) % this.ring) * STRIDE;
    const held = d[p + DAYNUM]!;
    if (held !== day) {
      if (held > day) return; // older than anything the window still holds
      d[p + DAYNUM] = day;
      d[p + CNT] = 0;
      d[p + SUM] = 0;
      d[p + MAX] = -Infinity;
      d[p + MIN] = Infinity;
      d[p + COV] = 0;
    }
    d[p + CNT]!++;
    d[p + SUM]! += v;
    if (v > d[p + MAX]!) d[p + MAX] = v;
    if (v < d[p + MIN]!) d[p + MIN] = v;
    const gap = ts - this.lastTs;
    if (gap > 0) {
      const tol = this.spacing.typical * GAP_TOLERANCE;
      d[p + COV]! += gap < tol ? gap : tol > 0 ? tol : 0;
    }
    if (!(ts < this.lastTs)) this.lastTs = ts;
    // A sample for a day a cached fit already holds as complete: that fit is out of date.
    for (let a = 0; a < 3; a++) if (day < this.cache[a]!.day) this.cache[a]!.day = Number.NaN;
  }

  /**
   * Least-squares line through the daily `agg` of the complete days in the window whose own
   * coverage is at least `minCoverage` (each at its midday), as of `now`: slope per hour,
   * ±1 standard error, the line's value at `now`, and the window's coverage over its complete days.
   */
  fit(now: number, agg: DailyAgg, minCoverage: number): DailyFit {
    const today = Math.floor(now / DAY_MS);
    const c = this.cache[agg === 'mean' ? 0 : agg === 'max' ? 1 : 2]!;
    if (c.day !== today || c.minCoverage !== minCoverage) {
      c.a = this.refit(today, agg, minCoverage, c.fit);
      c.day = today;
      c.minCoverage = minCoverage;
    }
    c.fit.fitted = c.a + c.fit.slope * ((now - today * DAY_MS) / HOUR_MS);
    return c.fit;
  }

  /** Fits into `out`; returns the line's value at the start of `today` (NaN when there is no line). */
  private refit(today: number, agg: DailyAgg, minCoverage: number, out: DailyFit): number {
    const d = this.d;
    const field = agg === 'mean' ? SUM : agg === 'max' ? MAX : MIN;
    let n = 0;
    let st = 0;
    let sv = 0;
    let stt = 0;
    let stv = 0;
    let svv = 0;
    let covered = 0;
    for (let k = today - this.days; k < today; k++) {
      const p = (((k % this.ring) + this.ring) % this.ring) * STRIDE;
      if (d[p + DAYNUM] !== k) continue;
      const cov = Math.min(DAY_MS, d[p + COV]!);
      covered += cov;
      if (cov < minCoverage * DAY_MS) continue;
      const v = field === SUM ? d[p + SUM]! / d[p + CNT]! : d[p + field]!;
      const t = (k - today + 0.5) * 24; // midday, hours from the start of today
      n++;
      st += t;
      sv += v;
      stt += t * t;
      stv += t * v;
      svv += v * v;
    }
    out.n = n;
    out.coverage = covered / (this.days * DAY_MS);
    const line = lineFromSums(n, st, sv, stt, stv, svv);
    out.slope = line.slope;
    out.slopeSe = line.slopeSe;
    return line.intercept;
  }

  /** Changes whenever a sample arrives (for persistence). */
  changeMark(): number {
    return this.lastTs;
  }

  /** State for persistence: [format, days, lastTs, ...day slots]. */
  snapshot(): Float64Array {
    const out = new Float64Array(3 + this.d.length);
    out.set([1, this.days, this.lastTs]);
    out.set(this.d, 3);
    return out;
  }

  /** Takes back a {@link snapshot} of a window of as many days; false (and unchanged) otherwise. */
  restore(x: Float64Array): boolean {
    if (x[0] !== 1 || x[1] !== this.days || x.length !== 3 + this.d.length) return false;
    this.lastTs = x[2]!;
    this.d.set(x.subarray(3));
    for (const c of this.cache) c.day = Number.NaN;
    return true;
  }
}
