import { AggRows, COUNT, EXTRA, KEY, LAST, LAST_TS, MAX, MIN, STRIDE, SUM, type Agg } from './rows.js';

/** One minute in milliseconds; history keys time by whole minutes since the Unix epoch. */
export const MINUTE = 60_000;

/**
 * Minutes that ended, waiting for the next flush: a queue of rows (key: the minute, spare: the
 * tag), so that closing a minute on the sample path is a handful of stores and no allocation. It
 * grows by doubling when a flush comes late (the only allocation, amortised); a flush empties it.
 */
export class ClosedMinutes {
  length = 0;
  readonly rows: AggRows;

  constructor(capacity: number) {
    this.rows = new AggRows(Math.max(64, capacity));
  }

  /** Queues row `j` of `from` as the closed minute `minute` of tag `tag`. */
  push(tag: number, minute: number, from: AggRows, j: number): void {
    if (this.length === this.rows.rows) this.rows.grow();
    this.rows.copy(this.length++, minute, tag, from, j);
  }

  tag(k: number): number {
    return this.rows.f[k * STRIDE + EXTRA]!;
  }

  minute(k: number): number {
    return this.rows.f[k * STRIDE + KEY]!;
  }

  agg(k: number): Agg {
    return this.rows.agg(k);
  }
}

/**
 * Each tag's open minute: min, max, sum, count and last of the samples since the minute began, a
 * tag's row keyed by the minute's start (ms; NaN when none is open), so a sample touches one
 * stretch of memory, not seven arrays. A sample of another minute closes the open one into
 * {@link ClosedMinutes} (late samples too: the store merges a minute written twice), and the ticker
 * closes minutes whose tag went quiet.
 */
export class OpenMinutes {
  private readonly rows: AggRows;
  /** `rows.f`, which never grows here: the hot path reads it from this object, one load fewer per sample. */
  private readonly f: Float64Array;
  private readonly tags: number;
  /** Minutes starting before this (ms) were closed by the last scan; -Infinity: scan at the next tick. */
  private scanned = -Infinity;

  constructor(
    tags: number,
    private readonly closed: ClosedMinutes,
  ) {
    this.tags = tags;
    this.rows = new AggRows(tags);
    this.f = this.rows.f;
    for (let t = 0; t < tags; t++) this.f[t * STRIDE + KEY] = Number.NaN;
  }

  /** One good sample: a few typed-array updates (the ingest hot path). */
  add(tag: number, ts: number, v: number): void {
    if (v - v !== 0) return; // NaN (a string value) or ±Infinity: no aggregate
    const f = this.f;
    const o = tag * STRIDE;
    const start = f[o + KEY]!; // NaN when no minute is open: fails both tests
    if (!(ts >= start && ts < start + MINUTE)) return this.roll(tag, ts, v);
    if (v < f[o + MIN]!) f[o + MIN] = v;
    if (v > f[o + MAX]!) f[o + MAX] = v;
    f[o + SUM]! += v;
    f[o + COUNT]!++;
    if (ts >= f[o + LAST_TS]!) {
      f[o + LAST] = v;
      f[o + LAST_TS] = ts;
    }
  }

  private roll(tag: number, ts: number, v: number): void {
    this.close(tag);
    const f = this.f;
    const o = tag * STRIDE;
    const start = Math.floor(ts / MINUTE) * MINUTE;
    if (start < this.scanned) this.scanned = -Infinity; // a late minute: the next tick's scan closes it
    f[o + KEY] = start;
    f[o + MIN] = v;
    f[o + MAX] = v;
    f[o + SUM] = v;
    f[o + COUNT] = 1;
    f[o + LAST] = v;
    f[o + LAST_TS] = ts;
  }

  /** Moves the tag's open minute, if any, to the closed queue. */
  close(tag: number): void {
    const f = this.f;
    const o = tag * STRIDE;
    if (f[o + COUNT] === 0) return;
    this.closed.push(tag, f[o + KEY]! / MINUTE, this.rows, tag);
    f[o + COUNT] = 0;
    f[o + KEY] = Number.NaN;
  }

  /**
   * Closes every open minute that ended `graceMs` or more before `now` (tags gone quiet). Scans the
   * tags once a minute, when that moment moves on (or after a late sample opened an older minute),
   * not every tick.
   */
  closeDue(now: number, graceMs: number): void {
    const due = Math.floor((now - graceMs) / MINUTE) * MINUTE; // minutes starting before this one are over
    if (due <= this.scanned) return;
    this.scanned = due;
    const f = this.f;
    for (let t = 0; t < this.tags; t++) if (f[t * STRIDE + KEY]! < due) this.close(t);
  }

  closeAll(): void {
    for (let t = 0; t < this.tags; t++) this.close(t);
  }

  /** The tag's open minute (minutes since the epoch) and aggregate, if one is open. */
  agg(tag: number): (Agg & { minute: number }) | undefined {
    if (this.rows.count(tag) === 0) return undefined;
    return { minute: this.f[tag * STRIDE + KEY]! / MINUTE, ...this.rows.agg(tag) };
  }
}
