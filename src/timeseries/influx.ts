import type { InfluxDB } from '@influxdata/influxdb-client';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { redactText, redactUrl } from '../core/redact.js';
import type { Logger } from '../core/logger.js';
import type { Sample } from '../core/sample.js';
import type { InfluxConfig } from '../config/schema.js';
import { escapeMeasurement, escapeTag, fieldValue } from './line-protocol.js';
import type { SpillStore } from './spill.js';
import type { TimeSeriesStats, TimeSeriesWriter } from './writer.js';

/** Posts one body of line protocol; rejects with the server's status where there is one. */
export type LineSender = (body: string, signal: AbortSignal) => Promise<void>;

/**
 * The v2 write endpoint through @influxdata/influxdb-client's transport (auth, timeout, TLS). The
 * client library is loaded with the first write (a site without `influx:` does not carry it).
 */
export function influxSender(cfg: Pick<InfluxConfig, 'url' | 'token' | 'org' | 'bucket'>): LineSender {
  let influx: Promise<InfluxDB> | undefined;
  const path = `/api/v2/write?org=${encodeURIComponent(cfg.org)}&bucket=${encodeURIComponent(cfg.bucket)}&precision=ms`;
  return async (body, signal) => {
    influx ??= import('@influxdata/influxdb-client').then((m) => new m.InfluxDB({ url: cfg.url, token: cfg.token, timeout: 10_000 }));
    await (await influx).transport.request(path, body, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, signal });
  };
}

/** An error as the log and /api/health show it: the server's answer may echo a token or a URL's password. */
function shownError(e: unknown): string {
  return redactText(errorMessage(e));
}

/** A 4xx other than 408/429 means the server will never take these lines: retrying cannot help. */
function permanent(e: unknown): boolean {
  const s = (e as { statusCode?: number }).statusCode;
  return s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 429;
}

export interface InfluxWriterOptions {
  log: Logger;
  clock?: Clock;
  /** Where failed batches wait; without one they wait in memory up to `maxBufferLines`. */
  spill?: SpillStore;
  send?: LineSender;
  /**
   * Tags on every line, after `asset` and `tag` (Telegraf's `global_tags`): the gateway passes
   * `site` and `gateway`, so the series of a fleet writing to one database never merge.
   */
  tags?: Readonly<Record<string, string>>;
}

/**
 * Writes samples to InfluxDB's v2 write API (InfluxDB 1.8+, 2.x, 3.x, Cloud, VictoriaMetrics).
 * Each sample is one line `<measurement>,asset=<id>,tag=<id> value=<v> <ms>`, built here (no
 * Point objects) to keep the hot path cheap, and batched by `batchSize` / `flushInterval`.
 *
 * Store and forward: a batch the server does not take goes to the {@link SpillStore} with its
 * original timestamps, and while the server is down new batches go straight there. A replay loop
 * probes with backoff and, once the server answers, sends the spill oldest first in
 * `replayBatch`-line requests while live batches go directly again (live data keeps flowing).
 */
export class InfluxWriter implements TimeSeriesWriter {
  private readonly send: LineSender;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly spill: SpillStore | undefined;
  private buf: string[] = [];
  /** Batches waiting for the live sender (memory only when there is no spill). */
  private readonly queue: string[][] = [];
  private queuedLines = 0;
  private sending: Promise<void> | undefined;
  private replaying: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly stopCtl = new AbortController();
  /** One controller per request (the client leaves a listener on the signal it gets): close aborts them. */
  private readonly inflight = new Set<AbortController>();
  private written = 0;
  private failedBatches = 0;
  private droppedMemory = 0;
  /** Failed attempts of the batch at the head of the queue (memory-only mode: `maxRetries`). */
  private headAttempts = 0;
  private rejected = 0;
  private lastError: string | undefined;
  private connected = true;
  private readonly measCache = new Map<string, string>();
  private readonly extraTags: string;

  constructor(
    private readonly cfg: InfluxConfig,
    o: InfluxWriterOptions,
  ) {
    this.log = o.log;
    this.clock = o.clock ?? systemClock;
    this.spill = o.spill;
    this.send = o.send ?? influxSender(cfg);
    this.extraTags = Object.entries(o.tags ?? {})
      .map(([k, v]) => `,${escapeTag(k)}=${escapeTag(v)}`)
      .join('');
    this.timer = setInterval(() => this.cut(), Math.max(10, cfg.flushInterval));
    this.timer.unref();
    if (this.spill && this.spill.size > 0) this.kickReplay(); // left over from the last run
  }

  write(s: Sample, measurement: string, assetId: string, tagId: string): void {
    if (s.quality === 'Bad') return;
    const fv = fieldValue(s.value);
    if (fv === '') return;
    const key = `${measurement}\u0000${assetId}\u0000${tagId}`;
    let head = this.measCache.get(key);
    if (head === undefined) {
      head = `${escapeMeasurement(measurement)},asset=${escapeTag(assetId)},tag=${escapeTag(tagId)}${this.extraTags} value=`;
      if (this.measCache.size < 1_000_000) this.measCache.set(key, head);
    }
    this.buf.push(`${head}${fv} ${Math.round(s.ts)}`);
    if (this.buf.length >= this.cfg.batchSize) this.cut();
  }

  /** Ends the current batch and hands it to the live sender. */
  private cut(): void {
    if (this.buf.length === 0) return;
    const batch = this.buf;
    this.buf = [];
    // Down: do not queue requests against a dead server (the replay loop is the probe). Up but
    // slower than the input: what exceeds the memory cap waits in the spill too.
    if (this.spill && (!this.connected || this.queuedLines + batch.length > this.cfg.maxBufferLines)) {
      this.spill.append(batch, this.clock.now());
      this.kickReplay();
      return;
    }
    this.queue.push(batch);
    this.queuedLines += batch.length;
    // No spill: drop the oldest waiting batch, never the head, which may be on the wire.
    while (this.queuedLines > this.cfg.maxBufferLines && this.queue.length > 2) {
      const [old] = this.queue.splice(1, 1);
      this.queuedLines -= old!.length;
      this.droppedMemory += old!.length;
    }
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue[0]!;
      if (!this.connected && this.spill) {
        this.spill.append(batch, this.clock.now());
        this.kickReplay();
      } else {
        try {
          await this.post(batch.join('\n'));
          this.written += batch.length;
          this.markUp();
        } catch (e) {
          if (permanent(e)) {
            this.rejected += batch.length;
            this.log.error({ err: shownError(e), lines: batch.length }, 'InfluxDB refused a batch; dropped');
          } else {
            this.markDown(e);
            if (!this.spill && ++this.headAttempts <= this.cfg.maxRetries) {
              // No spill: the batch stays at the head (memory capped by maxBufferLines); retry after a pause.
              await this.pause(Math.min(30_000, 500 * 2 ** (this.headAttempts - 1)));
              if (this.stopCtl.signal.aborted) return;
              continue;
            }
            if (this.spill) {
              this.spill.append(batch, this.clock.now());
              this.kickReplay();
            } else this.droppedMemory += batch.length; // no spill and maxRetries ran out
          }
        }
      }
      this.headAttempts = 0;
      this.queue.shift();
      this.queuedLines -= batch.length;
    }
  }

  private async post(body: string): Promise<void> {
    const ctl = new AbortController();
    this.inflight.add(ctl);
    try {
      await this.send(body, ctl.signal);
    } finally {
      this.inflight.delete(ctl);
    }
  }

  private kickReplay(): void {
    if (!this.spill || this.stopCtl.signal.aborted) return;
    this.replaying ??= this.replay().finally(() => (this.replaying = undefined));
  }

  /** Sends the spill oldest first; backs off (0.25 s doubling to 10 s) while the server is down. */
  private async replay(): Promise<void> {
    const spill = this.spill!;
    let delay = 250;
    while (!this.stopCtl.signal.aborted) {
      const chunk = spill.peek(this.cfg.spill.replayBatch);
      if (!chunk) return;
      try {
        await this.post(chunk.body);
        spill.remove(chunk.upTo);
        this.written += chunk.lines;
        this.markUp();
        delay = 250;
      } catch (e) {
        if (permanent(e)) {
          this.rejected += chunk.lines;
          spill.remove(chunk.upTo, false);
          this.log.error({ err: shownError(e), lines: chunk.lines }, 'InfluxDB refused spilled lines; dropped');
          continue;
        }
        spill.release();
        this.markDown(e);
        await this.pause(delay);
        delay = Math.min(10_000, delay * 2);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.stopCtl.signal).catch(() => undefined);
  }

  private markUp(): void {
    if (!this.connected) this.log.info({ url: redactUrl(this.cfg.url), spilled: this.spill?.size ?? 0 }, 'InfluxDB writes succeed again; replaying the spill');
    this.connected = true;
  }

  private markDown(e: unknown): void {
    this.lastError = shownError(e);
    this.failedBatches++;
    if (this.connected) this.log.warn({ url: redactUrl(this.cfg.url), err: this.lastError }, this.spill ? 'InfluxDB unreachable; spilling to SQLite' : 'InfluxDB unreachable; buffering in memory');
    this.connected = false;
  }

  /** Sends what is buffered and waits for it (spilled if the server does not take it). */
  async flush(): Promise<void> {
    this.cut();
    await this.sending;
  }

  /**
   * Flushes for at most `graceMs`, then stops the replay loop; a hanging server is aborted and
   * its batch spilled; whatever is spilled stays for the next start.
   */
  async close(graceMs = 5_000): Promise<void> {
    clearInterval(this.timer);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.flush().catch(() => undefined), new Promise<void>((r) => (t = setTimeout(r, graceMs)))]);
    clearTimeout(t);
    this.stopCtl.abort();
    for (const c of this.inflight) c.abort();
    await this.sending;
    await this.replaying;
    if (this.queuedLines > 0) this.log.warn({ lines: this.queuedLines }, 'InfluxDB close: unsent in-memory lines dropped');
    this.spill?.close();
  }

  stats(): TimeSeriesStats {
    return {
      written: this.written,
      failedBatches: this.failedBatches,
      lastError: this.lastError,
      connected: this.connected,
      buffered: this.buf.length + this.queuedLines,
      droppedMemory: this.droppedMemory,
      rejected: this.rejected,
      spill: this.spill?.stats(),
    };
  }
}
