/**
 * A sliding time window kept as summary statistics in time buckets, never as samples: memory is
 * fixed (BUCKETS × 12 numbers) whatever the sample rate. Expiry is per bucket, so a 10-minute
 * window moves in 10-second steps. Times are hours from `origin` so the regression sums keep
 * their precision over long windows.
 */
export const BUCKETS = 60;

export interface Fit {
  /** Least-squares slope, units per hour. */
  slope: number;
  /** Standard error of the slope (units per hour). */
  slopeSe: number;
  /** Fitted value at the query time. */
  fitted: number;
  n: number;
}

export class Window {
  readonly bucketMs: number;
  private readonly start = new Float64Array(BUCKETS).fill(Number.NaN);
  private readonly n = new Float64Array(BUCKETS);
  private readonly sum = new Float64Array(BUCKETS);
  private readonly sumSq = new Float64Array(BUCKETS);
  private readonly min = new Float64Array(BUCKETS);
  private readonly max = new Float64Array(BUCKETS);
  private readonly sumT = new Float64Array(BUCKETS);
  private readonly sumTT = new Float64Array(BUCKETS);
  private readonly sumTV = new Float64Array(BUCKETS);
  private readonly firstT = new Float64Array(BUCKETS);
  private readonly firstV = new Float64Array(BUCKETS);
  private readonly lastT = new Float64Array(BUCKETS);
  private readonly lastV = new Float64Array(BUCKETS);
  private origin = Number.NaN;

  constructor(readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  }

  add(ts: number, v: number): void {
    if (!Number.isFinite(v)) return;
    if (Number.isNaN(this.origin)) this.origin = ts;
    const b = Math.floor(ts / this.bucketMs);
    const i = ((b % BUCKETS) + BUCKETS) % BUCKETS;
    const bs = b * this.bucketMs;
    if (this.start[i] !== bs) {
      if (this.start[i]! > bs) return; // older than anything the window still holds
      this.start[i] = bs;
      this.n[i] = 0;
      this.sum[i] = 0;
      this.sumSq[i] = 0;
      this.min[i] = Infinity;
      this.max[i] = -Infinity;
      this.sumT[i] = 0;
      this.sumTT[i] = 0;
      this.sumTV[i] = 0;
      this.firstT[i] = ts;
      this.firstV[i] = v;
      this.lastT[i] = ts;
      this.lastV[i] = v;
    }
    const t = (ts - this.origin) / 3_600_000;
    this.n[i]!++;
    this.sum[i]! += v;
    this.sumSq[i]! += v * v;
    if (v < this.min[i]!) this.min[i] = v;
    if (v > this.max[i]!) this.max[i] = v;
    this.sumT[i]! += t;
    this.sumTT[i]! += t * t;
    this.sumTV[i]! += t * v;
    if (ts < this.firstT[i]!) {
      this.firstT[i] = ts;
      this.firstV[i] = v;
    }
    if (!(ts < this.lastT[i]!)) {
      this.lastT[i] = ts;
      this.lastV[i] = v;
    }
  }

  /** True when bucket `i` holds data inside the window ending at `now`. */
  private live(i: number, now: number): boolean {
    const s = this.start[i]!;
    return s + this.bucketMs > now - this.windowMs && s <= now;
  }

  count(now: number): number {
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) if (this.live(i, now)) n += this.n[i]!;
    return n;
  }

  avg(now: number): number {
    let n = 0;
    let s = 0;
    for (let i = 0; i < BUCKETS; i++) if (this.live(i, now)) (n += this.n[i]!), (s += this.sum[i]!);
    return n ? s / n : Number.NaN;
  }

  min_(now: number): number {
    let m = Infinity;
    for (let i = 0; i < BUCKETS; i++) if (this.live(i, now) && this.min[i]! < m) m = this.min[i]!;
    return m === Infinity ? Number.NaN : m;
  }

  max_(now: number): number {
    let m = -Infinity;
    for (let i = 0; i < BUCKETS; i++) if (this.live(i, now) && this.max[i]! > m) m = this.max[i]!;
    return m === -Infinity ? Number.NaN : m;
  }

  /** Sample standard deviation. */
  stddev(now: number): number {
    let n = 0;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < BUCKETS; i++) if (this.live(i, now)) (n += this.n[i]!), (s += this.sum[i]!), (ss += this.sumSq[i]!);
    if (n < 2) return Number.NaN;
    return Math.sqrt(Math.max(0, (ss - (s * s) / n) / (n - 1)));
  }

  /** Change from the oldest to the newest sample in the window, per hour. */
  rate(now: number): number {
    let ft = Infinity;
    let fv = Number.NaN;
    let lt = -Infinity;
    let lv = Number.NaN;
    for (let i = 0; i < BUCKETS; i++) {
      if (!this.live(i, now)) continue;
      if (this.firstT[i]! < ft) (ft = this.firstT[i]!), (fv = this.firstV[i]!);
      if (this.lastT[i]! > lt) (lt = this.lastT[i]!), (lv = this.lastV[i]!);
    }
    if (!(lt > ft)) return Number.NaN;
    return ((lv - fv) / (lt - ft)) * 3_600_000;
  }

  /** Least-squares line through every sample in the window (from the bucket sums: exact). */
  fit(now: number): Fit {
    let n = 0, st = 0, sv = 0, stt = 0, stv = 0, svv = 0;
    for (let i = 0; i < BUCKETS; i++) {
      if (!this.live(i, now)) continue;
      n += this.n[i]!;
      st += this.sumT[i]!;
      sv += this.sum[i]!;
      stt += this.sumTT[i]!;
      stv += this.sumTV[i]!;
      svv += this.sumSq[i]!;
    }
    const sxx = stt - (st * st) / n;
    if (n < 3 || !(sxx > 1e-12)) return { slope: Number.NaN, slopeSe: Number.NaN, fitted: Number.NaN, n };
    const slope = (stv - (st * sv) / n) / sxx;
    const a = (sv - slope * st) / n;
    const sse = Math.max(0, svv - a * sv - slope * stv);
    const slopeSe = Math.sqrt(sse / (n - 2) / sxx);
    const tNow = (now - this.origin) / 3_600_000;
    return { slope, slopeSe, fitted: a + slope * tNow, n };
  }
}
