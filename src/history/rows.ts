/** The aggregate of some samples: what a minute, a block or an hour of history holds. */
export interface Agg {
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  /** Sample time (ms) of `last`. */
  lastTs: number;
}

/** Folds `b` into `a` (min, max, sum and count add up; the later `last` wins). */
export function mergeAgg(a: Agg, b: Agg): void {
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  a.sum += b.sum;
  a.count += b.count;
  if (b.lastTs >= a.lastTs) {
    a.last = b.last;
    a.lastTs = b.lastTs;
  }
}

/** Fields of a row of {@link AggRows}: a key (a minute, or a minute's start), the aggregate, a spare (a tag index). */
export const KEY = 0;
export const MIN = 1;
export const MAX = 2;
export const SUM = 3;
export const COUNT = 4;
export const LAST = 5;
export const LAST_TS = 6;
export const EXTRA = 7;
/** Doubles a row: 64 bytes, so a row is one stretch of memory (one cache line where aligned). */
export const STRIDE = 8;

/**
 * Rows of aggregates side by side in one flat array, a row's fields together: the hot path touches
 * one row per sample, not one array per field. No allocation except {@link grow}.
 */
export class AggRows {
  f: Float64Array;

  constructor(rows: number) {
    this.f = new Float64Array(rows * STRIDE);
  }

  get rows(): number {
    return this.f.length / STRIDE;
  }

  /** Doubles the rows, keeping their contents. */
  grow(): void {
    const f = new Float64Array(this.f.length * 2);
    f.set(this.f);
    this.f = f;
  }

  /** Empties row `k`. */
  clear(k: number): void {
    this.f[k * STRIDE + COUNT] = 0;
  }

  count(k: number): number {
    return this.f[k * STRIDE + COUNT]!;
  }

  /** Row `k` takes row `j` of `from`, and a key and a spare of its own. */
  copy(k: number, key: number, extra: number, from: AggRows, j: number): void {
    const f = this.f;
    const g = from.f;
    const o = k * STRIDE;
    const p = j * STRIDE;
    f[o + KEY] = key;
    for (let i = MIN; i <= LAST_TS; i++) f[o + i] = g[p + i]!;
    f[o + EXTRA] = extra;
  }

  /** Folds an aggregate into row `k` (an empty row takes it as it is). */
  merge(k: number, a: Agg): void {
    const f = this.f;
    const o = k * STRIDE;
    if (f[o + COUNT] === 0) {
      f[o + MIN] = a.min;
      f[o + MAX] = a.max;
      f[o + SUM] = a.sum;
      f[o + COUNT] = a.count;
      f[o + LAST] = a.last;
      f[o + LAST_TS] = a.lastTs;
      return;
    }
    if (a.min < f[o + MIN]!) f[o + MIN] = a.min;
    if (a.max > f[o + MAX]!) f[o + MAX] = a.max;
    f[o + SUM]! += a.sum;
    f[o + COUNT]! += a.count;
    if (a.lastTs >= f[o + LAST_TS]!) {
      f[o + LAST] = a.last;
      f[o + LAST_TS] = a.lastTs;
    }
  }

  agg(k: number): Agg {
    const f = this.f;
    const o = k * STRIDE;
    return { min: f[o + MIN]!, max: f[o + MAX]!, sum: f[o + SUM]!, count: f[o + COUNT]!, last: f[o + LAST]!, lastTs: f[o + LAST_TS]! };
  }
}
