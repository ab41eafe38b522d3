import { InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import type { Sample } from '../core/sample.js';
import type { InfluxConfig } from '../config/schema.js';
import { escapeMeasurement, escapeTag, fieldValue } from './line-protocol.js';
import type { TimeSeriesStats, TimeSeriesWriter } from './writer.js';

/**
 * Writes samples through @influxdata/influxdb-client's batching write API (the v2 `/api/v2/write`
 * endpoint, which InfluxDB 1.8+, 2.x, 3.x, Cloud and VictoriaMetrics accept). Each sample is one
 * line: `<measurement>,asset=<id>,tag=<id> value=<v> <ms>`. Lines are built here (no Point
 * objects) to keep the hot path cheap. While the server is down the client retries with backoff
 * and buffers up to `maxBufferLines`; the gateway keeps running either way.
 */
export class InfluxWriter implements TimeSeriesWriter {
  private readonly api: WriteApi;
  private written = 0;
  private failedBatches = 0;
  private lastError: string | undefined;
  private connected = true;
  private readonly measCache = new Map<string, string>();

  constructor(cfg: InfluxConfig, private readonly log: Logger) {
    const influx = new InfluxDB({ url: cfg.url, token: cfg.token, timeout: 10_000 });
    this.api = influx.getWriteApi(cfg.org, cfg.bucket, 'ms', {
      batchSize: cfg.batchSize,
      flushInterval: cfg.flushInterval,
      maxRetries: cfg.maxRetries,
      maxBufferLines: cfg.maxBufferLines,
      maxRetryDelay: 30_000,
      minRetryDelay: 500,
      writeSuccess: (lines) => {
        this.written += lines.length;
        if (!this.connected) this.log.info({ url: cfg.url }, 'InfluxDB writes succeed again');
        this.connected = true;
      },
      writeFailed: (error, lines, attempt, expires) => {
        this.lastError = errorMessage(error);
        if (this.connected) this.log.warn({ url: cfg.url, err: this.lastError, lines: lines.length, attempt }, 'InfluxDB write failed; retrying with backoff');
        this.connected = false;
        if (Date.now() >= expires || attempt > cfg.maxRetries) this.failedBatches++;
        return undefined; // let the client retry per its policy
      },
    });
  }

  write(s: Sample, measurement: string, assetId: string, tagId: string): void {
    if (s.quality === 'Bad') return;
    const fv = fieldValue(s.value);
    if (fv === '') return;
    const key = `${measurement}\u0000${assetId}\u0000${tagId}`;
    let head = this.measCache.get(key);
    if (head === undefined) {
      head = `${escapeMeasurement(measurement)},asset=${escapeTag(assetId)},tag=${escapeTag(tagId)} value=`;
      if (this.measCache.size < 1_000_000) this.measCache.set(key, head);
    }
    this.api.writeRecord(`${head}${fv} ${Math.round(s.ts)}`);
  }

  async flush(): Promise<void> {
    try {
      await this.api.flush();
    } catch (e) {
      this.lastError = errorMessage(e);
    }
  }

  async close(): Promise<void> {
    try {
      await this.api.close();
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'InfluxDB close: unsent lines dropped');
    }
  }

  stats(): TimeSeriesStats {
    return { written: this.written, failedBatches: this.failedBatches, lastError: this.lastError, connected: this.connected };
  }
}
