/** One minute in milliseconds; history keys time by whole minutes since the Unix epoch. */
export const MINUTE = 60_000;

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

/**
 * Minutes that ended, waiting for the next flush: a queue in flat typed arrays, so that closing a
 * minute on the sample path is a handful of stores and no allocation. It grows by doubling when a
 * flush comes late (the only allocation, amortised); a flush empties it.
 */
export class ClosedMinutes {
  length = 0;
  tag: Int32Array;
  minute: Float64Array;
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  count: Float64Array;
  last: Float64Array;
  lastTs: Float64Array;

  constructor(capacity: number) {
    const n = Math.max(64, capacity);
    this.tag = new Int32Array(n);
    this.minute = new Float64Array(n);
    this.min = new Float64Array(n);
    this.max = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.count = new Float64Array(n);
    this.last = new Float64Array(n);
    this.lastTs = new Float64Array(n);
  }

  push(tag: number, minute: number, min: number, max: number, sum: number, count: number, last: number, lastTs: number): void {
    if (this.length === this.tag.length) this.grow();
    const k = this.length++;
    this.tag[k] = tag;
    this.minute[k] = minute;
    this.min[k] = min;
    this.max[k] = max;
    this.sum[k] = sum;
    this.count[k] = count;
    this.last[k] = last;
    this.lastTs[k] = lastTs;
  }

  agg(k: number): Agg {
    return { min: this.min[k]!, max: this.max[k]!, sum: this.sum[k]!, count: this.count[k]!, last: this.last[k]!, lastTs: this.lastTs[k]! };
  }

  private grow(): void {
    const n = this.tag.length * 2;
    const g = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
    this.tag = g(this.tag, new Int32Array(n));
    this.minute = g(this.minute, new Float64Array(n));
    this.min = g(this.min, new Float64Array(n));
    this.max = g(this.max, new Float64Array(n));
    this.sum = g(this.sum, new Float64Array(n));
    this.count = g(this.count, new Float64Array(n));
    this.last = g(this.last, new Float64Array(n));
    this.lastTs = g(this.lastTs, new Float64Array(n));
  }
}

/** Fields of a tag's open minute, at `tag * STRIDE + field` (one 64-byte stretch per tag; 0: its start). */
const MIN_ = 1;
const MAX_ = 2;
const SUM_ = 3;
const COUNT_ = 4;
const LAST_ = 5;
const LAST_TS = 6;
const STRIDE = 8;

/**
 * Each tag's open minute: min, max, sum, count and last of the samples since the minute began.
 * One flat array with a tag's fields side by side (the minute's start first), so a sample touches one
 * cache line, not seven arrays spread over memory. A sample of another minute closes the open one
 * into {@link ClosedMinutes} (late samples too: the store merges a minute written twice), and the
 * ticker closes minutes whose tag went quiet.
 */
export class OpenMinutes {
  /** Per tag: the open minute's start (ms; NaN when none is open), then its aggregate. */
  private readonly f: Float64Array;
  private readonly tags: number;

  constructor(
    tags: number,
    private readonly closed: ClosedMinutes,
  ) {
    this.tags = tags;
    this.f = new Float64Array(tags * STRIDE);
    for (let t = 0; t < tags; t++) this.f[t * STRIDE] = Number.NaN;
  }

  /** One good sample: a few typed-array updates (the ingest hot path). */
  add(tag: number, ts: number, v: number): void {
    if (v - v !== 0) return; // NaN (a string value) or ±Infinity: no aggregate
    const f = this.f;
    const o = tag * STRIDE;
    const start = f[o]!; // the open minute's first millisecond; NaN when none (fails both tests)
    if (!(ts >= start && ts < start + MINUTE)) return this.roll(tag, ts, v);
    if (v < f[o + MIN_]!) f[o + MIN_] = v;
    if (v > f[o + MAX_]!) f[o + MAX_] = v;
    f[o + SUM_]! += v;
    f[o + COUNT_]!++;
    if (ts >= f[o + LAST_TS]!) {
      f[o + LAST_] = v;
      f[o + LAST_TS] = ts;
    }
  }

  private roll(tag: number, ts: number, v: number): void {
    this.close(tag);
    const f = this.f;
    const o = tag * STRIDE;
    f[o] = Math.floor(ts / MINUTE) * MINUTE;
    f[o + MIN_] = v;
    f[o + MAX_] = v;
    f[o + SUM_] = v;
    f[o + COUNT_] = 1;
    f[o + LAST_] = v;
    f[o + LAST_TS] = ts;
  }

  /** Moves the tag's open minute, if any, to the closed queue. */
  close(tag: number): void {
    const f = this.f;
    const o = tag * STRIDE;
    if (f[o + COUNT_] === 0) return;
    this.closed.push(tag, f[o]! / MINUTE, f[o + MIN_]!, f[o + MAX_]!, f[o + SUM_]!, f[o + COUNT_]!, f[o + LAST_]!, f[o + LAST_TS]!);
    f[o + COUNT_] = 0;
    f[o] = Number.NaN;
  }

  /** Closes every open minute that ended `graceMs` or more before `now` (tags gone quiet). */
  closeDue(now: number, graceMs: number): void {
    const due = Math.floor((now - graceMs) / MINUTE) * MINUTE; // minutes starting before this one are over
    for (let t = 0; t < this.tags; t++) if (this.f[t * STRIDE]! < due) this.close(t);
  }

  closeAll(): void {
    for (let t = 0; t < this.tags; t++) this.close(t);
  }

  /** The tag's open minute (minutes since the epoch) and aggregate, if one is open. */
  agg(tag: number): (Agg & { minute: number }) | undefined {
    const f = this.f;
    const o = tag * STRIDE;
    if (f[o + COUNT_] === 0) return undefined;
    return { minute: f[o]! / MINUTE, min: f[o + MIN_]!, max: f[o + MAX_]!, sum: f[o + SUM_]!, count: f[o + COUNT_]!, last: f[o + LAST_]!, lastTs: f[o + LAST_TS]! };
  }
}
