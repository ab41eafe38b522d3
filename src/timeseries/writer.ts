import type { Sample } from '../core/sample.js';

/**
 * Where samples go for history. Lifecycle: construct → `write` (many times, never blocks and
 * never throws: failures are counted and retried inside) → `flush` on demand → `close` once.
 */
export interface TimeSeriesWriter {
  write(sample: Sample, measurement: string, assetId: string, tagId: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): TimeSeriesStats;
}

export interface TimeSeriesStats {
  written: number;
  failedBatches: number;
  lastError: string | undefined;
  connected: boolean;
}
