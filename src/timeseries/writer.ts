import type { Sample } from '../core/sample.js';
import type { SpillStats } from './spill.js';

/**
 * Where samples go for history. Lifecycle: construct → `write` (many times, never blocks and
 * never throws: failures are counted, spilled and retried inside) → `flush` on demand → `close`
 * once (what could not be sent stays in the spill for the next start).
 */
export interface TimeSeriesWriter {
  write(sample: Sample, measurement: string, assetId: string, tagId: string): void;
  flush(): Promise<void>;
  /** Flushes for at most `graceMs` (default 5 s), then stops. */
  close(graceMs?: number): Promise<void>;
  stats(): TimeSeriesStats;
}

export interface TimeSeriesStats {
  written: number;
  failedBatches: number;
  lastError: string | undefined;
  connected: boolean;
  /** Lines built but not yet sent or spilled. */
  buffered?: number;
  /** Lines dropped from memory (no spill configured, buffer full). */
  droppedMemory?: number;
  /** Lines the server refused for good (4xx); retrying could not help. */
  rejected?: number;
  /** The SQLite spill, when enabled. */
  spill?: SpillStats | undefined;
}
