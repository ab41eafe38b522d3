/**
 * A cumulative histogram in Prometheus' shape (`_bucket{le}`, `_sum`, `_count`), kept in memory.
 * Bucket bounds are in the unit the metric is exported in (seconds for latencies).
 */
export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }

  /** Exposition lines for `name` with optional extra labels (`a="b"`), `+Inf` included. */
  lines(name: string, labels = ''): string[] {
    const sep = labels ? `${labels},` : '';
    const out = this.bounds.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`);
    out.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    const l = labels ? `{${labels}}` : '';
    out.push(`${name}_sum${l} ${this.sum}`, `${name}_count${l} ${this.count}`);
    return out;
  }
}

/** Delivery latency bounds (s): from sub-second to a day, since outages stretch it to hours. */
export const LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400] as const;
