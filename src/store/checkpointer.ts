import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.js';
import type { Db } from './db.js';

export interface CheckpointStats {
  /** Checkpoints that found new WAL frames. */
  checkpoints: number;
  /** The longest one (ms). */
  maxMs: number;
  /** Frames in the WAL at the latest one. */
  walPages: number;
  failures: number;
}

/**
 * Moves the store's WAL checkpoints off the event loop. SQLite by default checkpoints inside the
 * commit that takes the WAL past 1,000 pages: that commit then copies ~4 MB into the database file
 * and fsyncs it, on the thread that ingests. Measured on this project's bench machine, such a
 * commit took 85 ms (ordinary ones 0.3-0.8 ms) and every sample that arrived meanwhile waited for
 * it. Here the committing connection never checkpoints (`wal_autocheckpoint = 0`); a worker thread
 * with its own connection runs a PASSIVE checkpoint every `everyMs` (it neither waits for nor
 * blocks the writer), so each copies what a second of commits wrote. Durability is unchanged:
 * a commit is durable once its WAL frames are synced, checkpointed or not.
 *
 * If the worker stops for any reason, the writer checkpoints by itself again (SQLite's default),
 * so the WAL never grows without bound.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private stopping = false;
  private failing = 0;
  readonly stats: CheckpointStats = { checkpoints: 0, maxMs: 0, walPages: 0, failures: 0 };

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    if (this.db.memory || this.worker) return;
    this.db.pragma('wal_autocheckpoint = 0');
    const w = new Worker(WORKER, { eval: true, workerData: { file: this.db.name, everyMs: this.everyMs, from: import.meta.url } });
    w.unref();
    w.on('message', (m: CheckpointReport) => {
      if (m.error !== undefined) {
        // Logged once per run of failures; each one counted.
        if (this.failing++ === 0) this.log.warn({ err: m.error }, 'WAL checkpoint failed; retrying every interval');
        this.stats.failures++;
        return;
      }
      if (this.failing > 0) this.log.info({ failures: this.failing }, 'WAL checkpoints work again');
      this.failing = 0;
      this.stats.checkpoints++;
      this.stats.walPages = m.walPages;
      if (m.ms > this.stats.maxMs) this.stats.maxMs = m.ms;
    });
    w.on('error', (e) => this.log.error({ err: e.message }, 'WAL checkpoint worker failed'));
    w.on('exit', () => {
      if (this.worker !== w) return;
      this.worker = undefined;
      if (this.stopping || !this.db.open) return;
      this.db.pragma('wal_autocheckpoint = 1000');
      this.log.warn({ file: this.db.name }, 'WAL checkpoint worker stopped; the store checkpoints in its commits again');
    });
    this.worker = w;
  }

  /** Stops the worker after one last checkpoint. */
  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.stopping = true;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    // Held while it finishes: unref'd, it would let a shutting-down process exit mid-await.
    w.ref();
    w.postMessage('stop');
    await exited;
    this.worker = undefined;
  }
}

interface CheckpointReport {
  ms: number;
  /** Frames in the WAL and frames of it in the database file after the checkpoint. */
  walPages: number;
  copied: number;
  error?: string;
}

/**
 * The worker (plain JavaScript, evaluated: it runs the same from the TypeScript sources under test
 * and from the build). It loads better-sqlite3 the way this module's package resolves it.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const Database = createRequire(workerData.from)('better-sqlite3');
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 0');
// The previous result: a checkpoint that finds the same WAL has nothing to report.
let last = '';
function checkpoint() {
  const t0 = performance.now();
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    const key = r.log + '/' + r.checkpointed;
    if (key !== last) parentPort.postMessage({ ms: performance.now() - t0, walPages: r.log, copied: r.checkpointed });
    last = key;
  } catch (e) {
    parentPort.postMessage({ ms: performance.now() - t0, walPages: -1, copied: 0, error: String(e && e.message || e) });
  }
}
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;
