import { BadCounts } from './bad-counts.js';
import { CNT, layout, MASKS, needMask, NUM, SUM, type Layout, type Need } from './window-layout.js';

/** Buckets a window spans: expiry is per bucket (a 10-minute window moves in 10-second steps). */
export const BUCKETS = 60;
/** Ring slots: the window spans BUCKETS buckets plus the partly expired one at its start. */
export const RING = BUCKETS + 1;
/** Windows shorter than this are not saved: they refill about as fast as a gateway restarts. */
export const PERSIST_MIN_WINDOW_MS = 3_600_000;
/** Re-sum the totals from the buckets after this many evictions, so float drift stays bounded. */
const RESUM_EVERY = 1024;

/**
 * Coverage: the stretch between two consecutive samples counts as covered by data up to this many
 * reporting intervals: two lost reports in a row leave no hole, a dropout does (the same silence
 * the library's stale-sensor rules allow).
 */
export const GAP_TOLERANCE = 3.5;

export interface Totals {
  n: number;
  sum: number;
  sq: number;
  t: number;
  tt: number;
  tv: number;
  cv: number;
}
/**
 * What {@link WindowBuckets.totals} returns: one object for every window, filled by each call and read at
 * once by its caller (a read never calls another). 10,000 windows, 10,000 fewer objects.
 */
const TOTALS: Totals = { n: 0, sum: 0, sq: 0, t: 0, tt: 0, tv: 0, cv: 0 };

/** Bucket fields besides NUM, CNT, SUM, with what a field new to a window starts from. */
const FIELDS: readonly [Exclude<keyof Layout, 'stride'>, number][] = [
  ['sq', 0], ['t', 0], ['tt', 0], ['tv', 0], ['mn', Infinity], ['mx', -Infinity],
  ['ft', Infinity], ['fv', Number.NaN], ['lt', -Infinity], ['lv', Number.NaN], ['cv', 0],
];
/** Snapshot header: [format, needs, windowMs, bucketMs, head, tail, origin, lastTs]. */
const HEADER = 8;
/**
 * Snapshot formats: 2 holds the buckets; 3 appends the Bad counts ({@link BadCounts}). A window
 * that never took a Bad sample is still written as 2, and a 2 restores as "no Bad samples".
 */
const PLAIN = 2;
const WITH_BAD = 3;

/**
 * The storage of a sliding time window ({@link Window} adds the reads; fields are `protected` for
 * it alone): summary statistics in time buckets, never samples, so memory is fixed whatever the
 * sample rate. Additive statistics are kept as running totals over the live buckets. A window
 * stores only what its readers need (`Need`), one bucket's fields side by side in one
 * Float64Array (an average: 3 numbers a bucket, in one cache line). Regression times are hours
 * from an origin that follows the window, so the sums keep their precision. Bad samples never
 * enter the buckets; from the first one on, a {@link BadCounts} beside them counts them per bucket
 * for the reads' data-quality gate. A snapshot of it all goes to the store and comes back after a
 * restart.
 */
export abstract class WindowBuckets {
  readonly bucketMs: number;
  protected l: Layout;
  protected d: Float64Array;
  // Running totals over buckets tail..head (absolute bucket numbers).
  protected tN = 0;
  protected tSum = 0;
  protected tSq = 0;
  protected tT = 0;
  protected tTT = 0;
  protected tTV = 0;
  protected head = -Infinity;
  protected tail = -Infinity;

  protected evictions = 0;
  protected origin = Number.NaN;
  /** What the window stores, as NEED_BIT flags (a Set per window cost 10,000 of them). */
  protected needs = 0;
  /**
   * The average as of the newest sample, refreshed by `add`, with what it takes to tell whether
   * it still holds at another read time: [average, first bucket still in the window at that
   * sample's time, windowMs, bucketMs]. A read at `now` gives the same average as long as
   * floor((now − windowMs) / bucketMs) is the same bucket (nothing added since, nothing aged
   * out). The rule engine compares it inline.
   */
  readonly avgCell = new Float64Array(4).fill(Number.NaN);
  protected tCv = 0;
  /**
   * Newest sample time (ms): where the next spacing starts, and what persistence compares. Kept
   * only where coverage or persistence reads it (`tracks`): a 1-minute average pays nothing for it.
   */
  protected lastTs = Number.NaN;
  private tracks = false;
  /** Saved across restarts (an hour or longer). */
  readonly persisted: boolean;
  /** The tag's reporting interval, for the coverage gap tolerance (set with the `coverage` need). */
  spacing: { readonly typical: number } | undefined;
  /** Bad samples per bucket; undefined until the first (a tag that never had one: reads check only this). */
  protected bad: BadCounts | undefined;

  constructor(
    readonly windowMs: number,
    needs: Iterable<Need> = [],
  ) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
    this.avgCell[2] = windowMs;
    this.avgCell[3] = this.bucketMs;
    this.needs = needMask(needs);
    this.l = layout(this.needs);
    this.d = this.fresh(this.l);
    this.persisted = windowMs >= PERSIST_MIN_WINDOW_MS;
    this.tracks = this.persisted || this.l.cv >= 0;
  }

  protected fresh(l: Layout): Float64Array {
    const d = new Float64Array(RING * l.stride);
    for (let i = 0; i < RING; i++) d[i * l.stride + NUM] = Number.NaN;
    return d;
  }

  /** Adds storage for more statistics (a rule reload asking for more); new ones start from zero. */
  ensure(needs: Iterable<Need>): void {
    this.grow(this.needs | needMask(needs));
  }

  protected grow(mask: number): void {
    if (mask === this.needs) return;
    const old = this.l;
    const od = this.d;
    this.needs = mask;
    this.l = layout(mask);
    this.d = this.fresh(this.l);
    const l = this.l;
    this.tracks = this.persisted || l.cv >= 0;
    for (let i = 0; i < RING; i++) {
      const o = i * old.stride;
      const p = i * l.stride;
      this.d[p + NUM] = od[o + NUM]!;
      this.d[p + CNT] = od[o + CNT]!;
      this.d[p + SUM] = od[o + SUM]!;
      for (const [f, start] of FIELDS) if (l[f] >= 0) this.d[p + l[f]] = old[f] >= 0 ? od[o + old[f]]! : start;
    }
  }

  protected slot(b: number): number {
    return ((b % RING) + RING) % RING;
  }

  /** Takes the bucket at offset `p` out of the totals and empties it. */
  protected drop(p: number): void {
    const d = this.d;
    const l = this.l;
    if (Number.isNaN(d[p + NUM]!)) return;
    this.tN -= d[p + CNT]!;
    this.tSum -= d[p + SUM]!;
    if (l.sq >= 0) this.tSq -= d[p + l.sq]!;
    if (l.t >= 0) (this.tT -= d[p + l.t]!), (this.tTT -= d[p + l.tt]!), (this.tTV -= d[p + l.tv]!);
    if (l.cv >= 0) this.tCv -= d[p + l.cv]!;
    d[p + NUM] = Number.NaN;
    if (++this.evictions % RESUM_EVERY === 0) this.resum();
  }

  /** Exact totals from the buckets; moves the regression origin to the oldest bucket. */
  protected resum(): void {
    const d = this.d;
    const l = this.l;
    if (l.t >= 0 && Number.isFinite(this.head)) {
      const newOrigin = Math.max(this.tail, this.head - RING + 1) * this.bucketMs;
      const dt = (newOrigin - this.origin) / 3_600_000;
      for (let i = 0; i < RING; i++) {
        const p = i * l.stride;
        if (Number.isNaN(d[p + NUM]!)) continue;
        const n = d[p + CNT]!;
        d[p + l.tt] = d[p + l.tt]! - 2 * dt * d[p + l.t]! + n * dt * dt;
        d[p + l.tv] = d[p + l.tv]! - dt * d[p + SUM]!;
        d[p + l.t] = d[p + l.t]! - n * dt;
      }
      this.origin = newOrigin;
    }
    this.tN = this.tSum = this.tSq = this.tT = this.tTT = this.tTV = this.tCv = 0;
    for (let i = 0; i < RING; i++) {
      const p = i * l.stride;
      if (Number.isNaN(d[p + NUM]!)) continue;
      this.tN += d[p + CNT]!;
      this.tSum += d[p + SUM]!;
      if (l.sq >= 0) this.tSq += d[p + l.sq]!;
      if (l.t >= 0) (this.tT += d[p + l.t]!), (this.tTT += d[p + l.tt]!), (this.tTV += d[p + l.tv]!);
      if (l.cv >= 0) this.tCv += d[p + l.cv]!;
    }
  }

  /** Takes every bucket numbered below `keepFrom` out of the totals. */
  protected dropBefore(keepFrom: number): void {
    if (this.tail >= keepFrom) return;
    const s = this.l.stride;
    if (keepFrom - this.tail >= RING) {
      for (let i = 0; i < RING; i++) if (this.d[i * s + NUM]! < keepFrom) this.drop(i * s);
    } else {
      for (let b = this.tail; b < keepFrom; b++) {
        const p = this.slot(b) * s;
        if (this.d[p + NUM] === b) this.drop(p);
      }
    }
    this.tail = keepFrom;
  }

  add(ts: number, v: number): void {
    if (!Number.isFinite(v)) return;
    if (Number.isNaN(this.origin)) this.origin = ts;
    const b = Math.floor(ts / this.bucketMs);
    if (b <= this.head - RING) return; // older than anything the window still holds
    if (b > this.head) {
      this.head = b;
      this.dropBefore(b - RING + 1); // the ring moved on: what it overwrote, and older, is out
      // Keep regression times within a few windows of the origin (precision of the sums).
      if (this.l.t >= 0 && b * this.bucketMs - this.origin > 2 * this.windowMs) this.resum();
    }
    if (b < this.tail) this.tail = b;
    const d = this.d;
    const l = this.l;
    const p = this.slot(b) * l.stride;
    if (d[p + NUM] !== b) {
      this.drop(p);
      d[p + NUM] = b;
      d[p + CNT] = 0;
      d[p + SUM] = 0;
      if (l.sq >= 0) d[p + l.sq] = 0;
      if (l.t >= 0) (d[p + l.t] = 0), (d[p + l.tt] = 0), (d[p + l.tv] = 0);
      if (l.mn >= 0) (d[p + l.mn] = Infinity), (d[p + l.mx] = -Infinity);
      if (l.ft >= 0) (d[p + l.ft] = ts), (d[p + l.fv] = v), (d[p + l.lt] = ts), (d[p + l.lv] = v);
      if (l.cv >= 0) d[p + l.cv] = 0;
    }
    d[p + CNT]!++;
    d[p + SUM]! += v;
    this.tN++;
    this.tSum += v;
    if (l.sq >= 0) {
      d[p + l.sq]! += v * v;
      this.tSq += v * v;
    }
    if (l.t >= 0) {
      const t = (ts - this.origin) / 3_600_000;
      d[p + l.t]! += t;
      d[p + l.tt]! += t * t;
      d[p + l.tv]! += t * v;
      this.tT += t;
      this.tTT += t * t;
      this.tTV += t * v;
    }
    if (l.mn >= 0) {
      if (v < d[p + l.mn]!) d[p + l.mn] = v;
      if (v > d[p + l.mx]!) d[p + l.mx] = v;
    }
    if (l.ft >= 0) {
      if (ts < d[p + l.ft]!) (d[p + l.ft] = ts), (d[p + l.fv] = v);
      if (!(ts < d[p + l.lt]!)) (d[p + l.lt] = ts), (d[p + l.lv] = v);
    }
    if (l.cv >= 0) {
      // The stretch since the previous sample, up to the gap tolerance, is time covered by data.
      const gap = ts - this.lastTs;
      if (gap > 0) {
        const tol = this.spacing!.typical * GAP_TOLERANCE;
        const c = gap < tol ? gap : tol > 0 ? tol : 0;
        d[p + l.cv]! += c;
        this.tCv += c;
      }
    }
    if (this.tracks && !(ts < this.lastTs)) this.lastTs = ts;
    this.avgCell[0] = this.avg(ts);
    this.avgCell[1] = Math.floor((ts - this.windowMs) / this.bucketMs);
  }

  // Totals as seen at a read time: the running totals less buckets that have ended by then.
  // Reads do not evict (a later read may be for an earlier time: a sample stamped a little behind
  // the last tick); only the ring moving on in `add` does.
  protected totals(now: number): Totals {
    const r = TOTALS;
    r.n = this.tN;
    r.sum = this.tSum;
    r.sq = this.tSq;
    r.t = this.tT;
    r.tt = this.tTT;
    r.tv = this.tTV;
    const l = this.l;
    if (l.cv >= 0) r.cv = this.tCv; // only coverage reads it; an average need not touch the field
    // The bucket holding the cut `now − windowMs` still overlaps the window: keep it.
    const keepFrom = Math.floor((now - this.windowMs) / this.bucketMs);
    if (this.tail >= keepFrom) return r;
    const d = this.d;
    const far = keepFrom - this.tail >= RING; // everything may be old: look at every slot
    for (let k = far ? 0 : this.tail; k < (far ? RING : keepFrom); k++) {
      const p = (far ? k : this.slot(k)) * l.stride;
      const b = d[p + NUM]!;
      if (far ? !(b < keepFrom) : b !== k) continue;
      r.n -= d[p + CNT]!;
      r.sum -= d[p + SUM]!;
      if (l.sq >= 0) r.sq -= d[p + l.sq]!;
      if (l.t >= 0) (r.t -= d[p + l.t]!), (r.tt -= d[p + l.tt]!), (r.tv -= d[p + l.tv]!);
      if (l.cv >= 0) r.cv -= d[p + l.cv]!;
    }
    if (r.n <= 0) r.n = r.sum = r.sq = r.t = r.tt = r.tv = r.cv = 0;
    return r;
  }

  protected live(p: number, now: number): boolean {
    const b = this.d[p + NUM]!;
    return !Number.isNaN(b) && (b + 1) * this.bucketMs > now - this.windowMs && b * this.bucketMs <= now;
  }

  avg(now: number): number {
    const r = this.totals(now);
    return r.n > 0 ? r.sum / r.n : Number.NaN;
  }

  /**
   * Counts a Bad sample at `ts` (the Bad branch of ingest; a Good sample never comes here). Its
   * value is not kept, only that a sample arrived and was Bad.
   */
  addBad(ts: number): void {
    (this.bad ??= new BadCounts(RING)).add(Math.floor(ts / this.bucketMs), ts);
  }

  /**
   * Bad samples in the window at `now`, over the same buckets as the totals of the Good ones (the
   * bucket holding the cut `now − windowMs` included). 0 at once for a window that never took one.
   */
  badCount(now: number): number {
    return this.bad === undefined ? 0 : this.bad.count(Math.floor((now - this.windowMs) / this.bucketMs));
  }

  /** Changes whenever a sample arrives, Good or Bad (persistence writes only what changed). */
  changeMark(): number {
    const b = this.bad === undefined ? Number.NaN : this.bad.lastTs;
    return b > this.lastTs || (b === b && this.lastTs !== this.lastTs) ? b : this.lastTs;
  }

  /** State for persistence: a header and the buckets (and the Bad counts, once there are any). */
  snapshot(): Float64Array {
    const bad = this.bad;
    const out = new Float64Array(HEADER + this.d.length + (bad ? BadCounts.snapshotLength(RING) : 0));
    out.set([bad ? WITH_BAD : PLAIN, this.needs, this.windowMs, this.bucketMs, this.head, this.tail, this.origin, this.lastTs]);
    out.set(this.d, HEADER);
    bad?.writeTo(out, HEADER + this.d.length);
    return out;
  }

  /**
   * Takes back a {@link snapshot} of a window of the same length, keeping the statistics either
   * side keeps; false (and unchanged) when it is not one. Buckets that have ended since simply
   * age out, as they would have.
   */
  restore(x: Float64Array): boolean {
    const format = x[0];
    if ((format !== PLAIN && format !== WITH_BAD) || x[2] !== this.windowMs || x[3] !== this.bucketMs) return false;
    const mask = x[1]!;
    if (!(Number.isInteger(mask) && mask >= 0 && mask < MASKS)) return false;
    const end = HEADER + RING * layout(mask).stride;
    if (x.length !== (format === PLAIN ? end : end + BadCounts.snapshotLength(RING))) return false;
    const want = this.needs | mask;
    this.needs = mask;
    this.l = layout(mask);
    this.d = x.slice(HEADER, end);
    this.grow(want);
    // A snapshot without Bad counts (format 2, as every one written before they existed): none.
    this.bad = format === PLAIN ? undefined : BadCounts.from(RING, x.subarray(end));
    this.head = x[4]!;
    this.tail = x[5]!;
    this.origin = x[6]!;
    this.lastTs = x[7]!;
    this.resum();
    if (this.lastTs === this.lastTs) {
      this.avgCell[0] = this.avg(this.lastTs);
      this.avgCell[1] = Math.floor((this.lastTs - this.windowMs) / this.bucketMs);
    }
    return true;
  }
}
