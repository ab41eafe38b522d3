/**
 * How many Bad samples arrived in each time bucket of a window, beside the window's own buckets
 * (which hold Good samples only): what the data-quality gate of window statistics reads (OPC UA
 * Part 13 §5.4.3.2.1, PercentDataBad: the share of an interval's raw values that were Bad). Only
 * counts: a Bad sample's value is nonsense by definition. A window allocates one at its first Bad
 * sample, so a tag that never had one pays nothing.
 */
export class BadCounts {
  /** [bucket number (NaN: empty), count] per ring slot. */
  private readonly x: Float64Array;
  /** Newest bucket holding a Bad sample (a read past the window's reach of it counts none). */
  private head = -Infinity;
  /** Newest Bad sample time (ms): the window's change mark for persistence. */
  lastTs = Number.NaN;

  constructor(private readonly ring: number) {
    this.x = new Float64Array(ring * 2).fill(Number.NaN);
  }

  /** Counts a Bad sample at `ts` in bucket `b`; one older than the ring still holds is ignored. */
  add(b: number, ts: number): void {
    if (!(b > this.head - this.ring)) return;
    const x = this.x;
    const p = (((b % this.ring) + this.ring) % this.ring) * 2;
    if (x[p] !== b) (x[p] = b), (x[p + 1] = 0);
    x[p + 1]!++;
    if (b > this.head) this.head = b;
    if (!(ts < this.lastTs)) this.lastTs = ts;
  }

  /** Bad samples in buckets from `keepFrom` on. */
  count(keepFrom: number): number {
    if (this.head < keepFrom) return 0;
    const x = this.x;
    let n = 0;
    for (let p = 0; p < x.length; p += 2) if (x[p]! >= keepFrom) n += x[p + 1]!;
    return n;
  }

  /** Numbers a snapshot appends for a ring of `ring` slots: [head, lastTs, ...slots]. */
  static snapshotLength(ring: number): number {
    return 2 + ring * 2;
  }

  writeTo(out: Float64Array, at: number): void {
    out[at] = this.head;
    out[at + 1] = this.lastTs;
    out.set(this.x, at + 2);
  }

  /** Counts from what {@link writeTo} wrote (`x` holds exactly {@link BadCounts.snapshotLength} numbers). */
  static from(ring: number, x: Float64Array): BadCounts {
    const c = new BadCounts(ring);
    c.head = x[0]!;
    c.lastTs = x[1]!;
    c.x.set(x.subarray(2));
    return c;
  }
}
