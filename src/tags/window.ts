/**
 * A sliding time window kept as summary statistics in time buckets, never as samples: memory is
 * fixed whatever the sample rate. Expiry is per bucket (a 10-minute window moves in 10-second
 * steps). Additive statistics are kept as running totals over the live buckets, so reading an
 * average, a standard deviation or a least-squares slope costs O(1); only min/max and rate scan
 * buckets. A window stores only what its readers need (`Need`), one bucket's fields side by side
 * in one Float64Array (an average: 3 numbers a bucket, in one cache line). Regression times are
 * hours from an origin that follows the window, so the sums keep their precision.
 */
export const BUCKETS = 60;
/** Ring slots: the window spans BUCKETS buckets plus the partly expired one at its start. */
const RING = BUCKETS + 1;
/** Re-sum the totals from the buckets after this many evictions, so float drift stays bounded. */
const RESUM_EVERY = 1024;

export type Need = 'moments' | 'regression' | 'extremes' | 'endpoints';

export interface Fit {
  /** Least-squares slope, units per hour. */
  slope: number;
  /** Standard error of the slope (units per hour). */
  slopeSe: number;
  /** Fitted value at the query time. */
  fitted: number;
  n: number;
}

// Field offsets inside a bucket; -1 when the window does not keep that statistic.
interface Layout {
  stride: number;
  sq: number;
  t: number;
  tt: number;
  tv: number;
  mn: number;
  mx: number;
  ft: number;
  fv: number;
  lt: number;
  lv: number;
}
const NUM = 0; // absolute bucket number (start = num × bucketMs), NaN when empty
const CNT = 1;
const SUM = 2;

const NEED_BIT: Record<Need, number> = { moments: 1, regression: 2, extremes: 4, endpoints: 8 };

function needMask(needs: Iterable<Need>): number {
  let m = 0;
  for (const n of needs) m |= NEED_BIT[n];
  return m;
}

function makeLayout(mask: number): Layout {
  let next = 3;
  const take = (k: number) => ((next += k), next - k);
  const l: Layout = { stride: 0, sq: -1, t: -1, tt: -1, tv: -1, mn: -1, mx: -1, ft: -1, fv: -1, lt: -1, lv: -1 };
  if (mask & (NEED_BIT.moments | NEED_BIT.regression)) l.sq = take(1);
  if (mask & NEED_BIT.regression) (l.t = take(1)), (l.tt = take(1)), (l.tv = take(1));
  if (mask & NEED_BIT.extremes) (l.mn = take(1)), (l.mx = take(1));
  if (mask & NEED_BIT.endpoints) (l.ft = take(1)), (l.fv = take(1)), (l.lt = take(1)), (l.lv = take(1));
  l.stride = next;
  return l;
}

/** One layout per combination of needs, shared by every window with that combination. */
const LAYOUTS: Layout[] = [];
function layout(mask: number): Layout {
  return (LAYOUTS[mask] ??= makeLayout(mask));
}

interface Totals {
  n: number;
  sum: number;
  sq: number;
  t: number;
  tt: number;
  tv: number;
}
/**
 * What {@link Window.totals} returns: one object for every window, filled by each call and read at
 * once by its caller (a read never calls another). 10,000 windows, 10,000 fewer objects.
 */
const TOTALS: Totals = { n: 0, sum: 0, sq: 0, t: 0, tt: 0, tv: 0 };

export class Window {
  readonly bucketMs: number;
  private l: Layout;
  private d: Float64Array;
  // Running totals over buckets tail..head (absolute bucket numbers).
  private tN = 0;
  private tSum = 0;
  private tSq = 0;
  private tT = 0;
  private tTT = 0;
  private tTV = 0;
  private head = -Infinity;
  private tail = -Infinity;

  private evictions = 0;
  private origin = Number.NaN;
  /** What the window stores, as NEED_BIT flags (a Set per window cost 10,000 of them). */
  private needs = 0;
  /**
   * The average as of the newest sample, refreshed by `add`, with what it takes to tell whether
   * it still holds at another read time: [average, first bucket still in the window at that
   * sample's time, windowMs, bucketMs]. A read at `now` gives the same average as long as
   * floor((now − windowMs) / bucketMs) is the same bucket (nothing added since, nothing aged
   * out). The rule engine compares it inline.
   */
  readonly avgCell = new Float64Array(4).fill(Number.NaN);

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
  }

  private fresh(l: Layout): Float64Array {
    const d = new Float64Array(RING * l.stride);
    for (let i = 0; i < RING; i++) d[i * l.stride + NUM] = Number.NaN;
    return d;
  }

  /** Adds storage for more statistics (a rule reload asking for more); new ones start from zero. */
  ensure(needs: Iterable<Need>): void {
    const mask = this.needs | needMask(needs);
    if (mask === this.needs) return;
    this.needs = mask;
    const old = this.l;
    const od = this.d;
    this.l = layout(this.needs);
    this.d = this.fresh(this.l);
    for (let i = 0; i < RING; i++) {
      const o = i * old.stride;
      const p = i * this.l.stride;
      this.d[p + NUM] = od[o + NUM]!;
      this.d[p + CNT] = od[o + CNT]!;
      this.d[p + SUM] = od[o + SUM]!;
      if (old.sq >= 0 && this.l.sq >= 0) this.d[p + this.l.sq] = od[o + old.sq]!;
      if (this.l.mn >= 0) (this.d[p + this.l.mn] = Infinity), (this.d[p + this.l.mx] = -Infinity);
    }
  }

  private slot(b: number): number {
    return ((b % RING) + RING) % RING;
  }

  /** Takes the bucket at offset `p` out of the totals and empties it. */
  private drop(p: number): void {
    const d = this.d;
    const l = this.l;
    if (Number.isNaN(d[p + NUM]!)) return;
    this.tN -= d[p + CNT]!;
    this.tSum -= d[p + SUM]!;
    if (l.sq >= 0) this.tSq -= d[p + l.sq]!;
    if (l.t >= 0) (this.tT -= d[p + l.t]!), (this.tTT -= d[p + l.tt]!), (this.tTV -= d[p + l.tv]!);
    d[p + NUM] = Number.NaN;
    if (++this.evictions % RESUM_EVERY === 0) this.resum();
  }

  /** Exact totals from the buckets; moves the regression origin to the oldest bucket. */
  private resum(): void {
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
    this.tN = this.tSum = this.tSq = this.tT = this.tTT = this.tTV = 0;
    for (let i = 0; i < RING; i++) {
      const p = i * l.stride;
      if (Number.isNaN(d[p + NUM]!)) continue;
      this.tN += d[p + CNT]!;
      this.tSum += d[p + SUM]!;
      if (l.sq >= 0) this.tSq += d[p + l.sq]!;
      if (l.t >= 0) (this.tT += d[p + l.t]!), (this.tTT += d[p + l.tt]!), (this.tTV += d[p + l.tv]!);
    }
  }

  /** Takes every bucket numbered below `keepFrom` out of the totals. */
  private dropBefore(keepFrom: number): void {
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
    this.avgCell[0] = this.avg(ts);
    this.avgCell[1] = Math.floor((ts - this.windowMs) / this.bucketMs);
  }

  // Totals as seen at a read time: the running totals less buckets that have ended by then.
  // Reads do not evict (a later read may be for an earlier time: a sample stamped a little behind
  // the last tick); only the ring moving on in `add` does.
  private totals(now: number): Totals {
    const r = TOTALS;
    r.n = this.tN;
    r.sum = this.tSum;
    r.sq = this.tSq;
    r.t = this.tT;
    r.tt = this.tTT;
    r.tv = this.tTV;
    // The bucket holding the cut `now − windowMs` still overlaps the window: keep it.
    const keepFrom = Math.floor((now - this.windowMs) / this.bucketMs);
    if (this.tail >= keepFrom) return r;
    const d = this.d;
    const l = this.l;
    const far = keepFrom - this.tail >= RING; // everything may be old: look at every slot
    for (let k = far ? 0 : this.tail; k < (far ? RING : keepFrom); k++) {
      const p = (far ? k : this.slot(k)) * l.stride;
      const b = d[p + NUM]!;
      if (far ? !(b < keepFrom) : b !== k) continue;
      r.n -= d[p + CNT]!;
      r.sum -= d[p + SUM]!;
      if (l.sq >= 0) r.sq -= d[p + l.sq]!;
      if (l.t >= 0) (r.t -= d[p + l.t]!), (r.tt -= d[p + l.tt]!), (r.tv -= d[p + l.tv]!);
    }
    if (r.n <= 0) r.n = r.sum = r.sq = r.t = r.tt = r.tv = 0;
    return r;
  }

  private live(p: number, now: number): boolean {
    const b = this.d[p + NUM]!;
    return !Number.isNaN(b) && (b + 1) * this.bucketMs > now - this.windowMs && b * this.bucketMs <= now;
  }

  count(now: number): number {
    return this.totals(now).n;
  }

  avg(now: number): number {
    const r = this.totals(now);
    return r.n > 0 ? r.sum / r.n : Number.NaN;
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
    const sxx = r.tt - (r.t * r.t) / n;
    if (n < 3 || !(sxx > 1e-12)) return { slope: Number.NaN, slopeSe: Number.NaN, fitted: Number.NaN, n };
    const slope = (r.tv - (r.t * r.sum) / n) / sxx;
    const a = (r.sum - slope * r.t) / n;
    const sse = Math.max(0, r.sq - a * r.sum - slope * r.tv);
    const slopeSe = Math.sqrt(sse / (n - 2) / sxx);
    const tNow = (now - this.origin) / 3_600_000;
    return { slope, slopeSe, fitted: a + slope * tNow, n };
  }
}
