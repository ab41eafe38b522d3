/** Sample spacings a learned interval is the median of: up to 7 odd gaps (a dropout, a burst) do not move it. */
export const SPACINGS = 15;
/** Spacings needed before a learned interval is trusted (a reconnect burst of two samples is not a rate). */
export const MIN_SPACINGS = 3;

/**
 * A tag's reporting interval: the one the site config gives, else the median spacing of its last
 * {@link SPACINGS} samples. Staleness rules count silence in it, and window coverage tolerates gaps
 * of a few of it, so one library rule fits a 1 s and a 1 h sensor.
 *
 * Per sample: one insertion into a sorted array of 15 numbers, no allocation. Duplicates and
 * samples older than the newest are no spacing and are ignored.
 */
export class ReportingInterval {
  /** The interval in ms: configured, else learned; NaN while unknown. */
  value: number;
  /**
   * The interval as best known now (ms): configured, else the median of the spacings held, from
   * the first. Window coverage tolerates gaps by it from the start; NaN before two samples.
   */
  typical: number;
  /** Newest sample time seen (ms); NaN before the first. */
  lastTs = Number.NaN;
  private readonly ring = new Float64Array(SPACINGS);
  private readonly sorted = new Float64Array(SPACINGS);
  /** Spacings held, and the ring slot the next one goes to. */
  private n = 0;
  private next = 0;

  constructor(
    /** The site config's interval for the tag (ms); NaN to learn it. */
    readonly configured: number,
  ) {
    this.value = configured;
    this.typical = configured;
  }

  add(ts: number): void {
    const last = this.lastTs;
    if (!(ts > last)) {
      if (last !== last) this.lastTs = ts; // the first sample: nothing to measure yet
      return;
    }
    this.lastTs = ts;
    const gap = ts - last;
    const s = this.sorted;
    let n = this.n;
    if (n === SPACINGS) {
      // Take the spacing the ring overwrites out of the sorted copy.
      const old = this.ring[this.next]!;
      let i = 0;
      while (i < n - 1 && s[i] !== old) i++;
      for (; i < n - 1; i++) s[i] = s[i + 1]!;
      n--;
    }
    let j = n;
    while (j > 0 && s[j - 1]! > gap) (s[j] = s[j - 1]!), j--;
    s[j] = gap;
    this.n = n + 1;
    this.ring[this.next] = gap;
    this.next = (this.next + 1) % SPACINGS;
    if (this.configured !== this.configured) this.learn();
  }

  /** The median of the spacings held; NaN below {@link MIN_SPACINGS}. */
  learned(): number {
    return this.n < MIN_SPACINGS ? Number.NaN : this.median();
  }

  private median(): number {
    const n = this.n;
    const s = this.sorted;
    if (n === 0) return Number.NaN;
    return n % 2 === 1 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  }

  private learn(): void {
    this.typical = this.median();
    this.value = this.n < MIN_SPACINGS ? Number.NaN : this.typical;
  }

  /** State for persistence: [format, n, next, lastTs, ...ring]. */
  snapshot(): Float64Array {
    const out = new Float64Array(4 + SPACINGS);
    out.set([1, this.n, this.next, this.lastTs]);
    out.set(this.ring, 4);
    return out;
  }

  /** Takes back a {@link snapshot}; false (and unchanged) when it is not one. */
  restore(x: Float64Array): boolean {
    if (x.length !== 4 + SPACINGS || x[0] !== 1) return false;
    const n = x[1]!;
    const next = x[2]!;
    if (!(Number.isInteger(n) && n >= 0 && n <= SPACINGS && Number.isInteger(next) && next >= 0 && next < SPACINGS)) return false;
    // The ring's live spacings: the n written before `next`, wrapping.
    const live: number[] = [];
    for (let k = 1; k <= n; k++) live.push(x[4 + ((next - k + SPACINGS) % SPACINGS)]!);
    if (!live.every((g) => g > 0 && g < Infinity)) return false;
    this.n = n;
    this.next = next;
    this.lastTs = x[3]!;
    this.ring.set(x.subarray(4));
    live.sort((a, b) => a - b);
    this.sorted.fill(0);
    this.sorted.set(live);
    if (this.configured !== this.configured) this.learn();
    return true;
  }
}
