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

/**
 * Each tag's open minute: min, max, sum, count and last of the samples since the minute began, in
 * flat typed arrays indexed by the catalog's tag index. A sample of another minute closes the open
 * one into {@link ClosedMinutes} (late samples too: the store merges a minute written twice), and
 * the ticker closes minutes whose tag went quiet.
 */
export class OpenMinutes {
  /** The open minute per tag (minutes since the epoch); NaN when none is open. */
  readonly minute: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly last: Float64Array;
  readonly lastTs: Float64Array;

  constructor(
    tags: number,
    private readonly closed: ClosedMinutes,
  ) {
    this.minute = new Float64Array(tags).fill(Number.NaN);
    this.min = new Float64Array(tags);
    this.max = new Float64Array(tags);
    this.sum = new Float64Array(tags);
    this.count = new Float64Array(tags);
    this.last = new Float64Array(tags);
    this.lastTs = new Float64Array(tags);
  }

  /** One good sample: a few typed-array updates (the ingest hot path). */
  add(tag: number, ts: number, v: number): void {
    if (v !== v || v === Infinity || v === -Infinity) return; // not a number (a string value): no aggregate
    const m = Math.floor(ts / MINUTE);
    if (this.minute[tag] !== m) return this.roll(tag, m, ts, v);
    if (v < this.min[tag]!) this.min[tag] = v;
    if (v > this.max[tag]!) this.max[tag] = v;
    this.sum[tag]! += v;
    this.count[tag]!++;
    if (ts >= this.lastTs[tag]!) {
      this.last[tag] = v;
      this.lastTs[tag] = ts;
    }
  }

  private roll(tag: number, m: number, ts: number, v: number): void {
    this.close(tag);
    this.minute[tag] = m;
    this.min[tag] = v;
    this.max[tag] = v;
    this.sum[tag] = v;
    this.count[tag] = 1;
    this.last[tag] = v;
    this.lastTs[tag] = ts;
  }

  /** Moves the tag's open minute, if any, to the closed queue. */
  close(tag: number): void {
    if (this.count[tag] === 0) return;
    this.closed.push(tag, this.minute[tag]!, this.min[tag]!, this.max[tag]!, this.sum[tag]!, this.count[tag]!, this.last[tag]!, this.lastTs[tag]!);
    this.count[tag] = 0;
    this.minute[tag] = Number.NaN;
  }

  /** Closes every open minute that ended `graceMs` or more before `now` (tags gone quiet). */
  closeDue(now: number, graceMs: number): void {
    const due = Math.floor((now - graceMs) / MINUTE); // minutes before this one are over
    const n = this.minute.length;
    for (let i = 0; i < n; i++) if (this.minute[i]! < due) this.close(i);
  }

  closeAll(): void {
    for (let i = 0; i < this.minute.length; i++) this.close(i);
  }

  /** The tag's open minute as an aggregate, if one is open. */
  agg(tag: number): Agg | undefined {
    if (this.count[tag] === 0) return undefined;
    return { min: this.min[tag]!, max: this.max[tag]!, sum: this.sum[tag]!, count: this.count[tag]!, last: this.last[tag]!, lastTs: this.lastTs[tag]! };
  }
}
