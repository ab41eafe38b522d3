import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SpillStats {
  /** Lines waiting in the spill now. */
  lines: number;
  bytes: number;
  /** When the oldest waiting chunk was spilled (ms), if any. */
  oldestSpilledAt: number | undefined;
  /** Lines ever spilled / replayed / dropped by the overflow policy. */
  spilledTotal: number;
  replayedTotal: number;
  droppedTotal: number;
}

export interface SpillChunk {
  /** Highest chunk id included; pass it to {@link SpillStore.remove} once the server took it. */
  upTo: number;
  lines: number;
  body: string;
}

/**
 * Line protocol parked in SQLite while the time-series server is unreachable: a FIFO of chunks
 * (one per failed batch, lines joined by `\n`, original timestamps inside). Its own database file
 * and connection with `synchronous=NORMAL`: a power cut may lose the last spilled chunk, but it
 * never slows the outbox's `synchronous=FULL` commits, which share nothing with it.
 *
 * Overflow policy: beyond `maxBytes`, the oldest chunks not currently being replayed are
 * dropped, and their lines counted in `droppedTotal`.
 */
export class SpillStore {
  private readonly db: Database.Database;
  private readonly ins;
  private readonly sizesStmt;
  private readonly bodiesStmt;
  private readonly delUpTo;
  private readonly dropOldest;
  private readonly oldestStmt;
  private lines = 0;
  private bytes = 0;
  private spilledTotal = 0;
  private replayedTotal = 0;
  private droppedTotal = 0;
  /** Chunks up to this id are on their way to the server: overflow leaves them alone. */
  private inFlightUpTo = 0;

  constructor(
    file: string,
    private readonly maxBytes: number,
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS spill (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      lines INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      spilled_at INTEGER NOT NULL,
      body TEXT NOT NULL
    )`);
    const t = this.db.prepare(`SELECT COALESCE(SUM(lines), 0) AS l, COALESCE(SUM(bytes), 0) AS b FROM spill`).get() as { l: number; b: number };
    this.lines = t.l;
    this.bytes = t.b;
    this.ins = this.db.prepare(`INSERT INTO spill (lines, bytes, spilled_at, body) VALUES (?, ?, ?, ?)`);
    // Small columns first in the row, so sizing a chunk does not read the bodies' overflow pages.
    this.sizesStmt = this.db.prepare(`SELECT id, lines FROM spill ORDER BY id LIMIT 256`);
    this.bodiesStmt = this.db.prepare(`SELECT body FROM spill WHERE id <= ? ORDER BY id`).pluck();
    this.delUpTo = this.db.prepare(`DELETE FROM spill WHERE id <= ? RETURNING lines, bytes`);
    this.dropOldest = this.db.prepare(`DELETE FROM spill WHERE id = (SELECT MIN(id) FROM spill WHERE id > ?) RETURNING lines, bytes`);
    this.oldestStmt = this.db.prepare(`SELECT spilled_at FROM spill ORDER BY id LIMIT 1`);
  }

  get size(): number {
    return this.lines;
  }

  /** Parks a batch of lines, then enforces the size cap (drop oldest, counted). */
  append(lines: readonly string[], now: number): void {
    if (lines.length === 0) return;
    const body = lines.join('\n');
    const bytes = Buffer.byteLength(body);
    this.ins.run(lines.length, bytes, now, body);
    this.lines += lines.length;
    this.bytes += bytes;
    this.spilledTotal += lines.length;
    while (this.bytes > this.maxBytes) {
      const r = this.dropOldest.get(this.inFlightUpTo) as { lines: number; bytes: number } | undefined;
      if (!r) break;
      this.lines -= r.lines;
      this.bytes -= r.bytes;
      this.droppedTotal += r.lines;
    }
  }

  /** The oldest chunks, up to about `maxLines` (at least one chunk); marks them in flight. */
  peek(maxLines: number): SpillChunk | undefined {
    const rows = this.sizesStmt.all() as { id: number; lines: number }[];
    if (rows.length === 0) return undefined;
    let n = 0;
    let upTo = 0;
    for (const r of rows) {
      if (n > 0 && n + r.lines > maxLines) break;
      n += r.lines;
      upTo = r.id;
    }
    this.inFlightUpTo = upTo;
    return { upTo, lines: n, body: (this.bodiesStmt.all(upTo) as string[]).join('\n') };
  }

  /** The server took the chunks up to `upTo`: forget them. */
  remove(upTo: number, replayed = true): void {
    for (const r of this.delUpTo.all(upTo) as { lines: number; bytes: number }[]) {
      this.lines -= r.lines;
      this.bytes -= r.bytes;
      if (replayed) this.replayedTotal += r.lines;
      else this.droppedTotal += r.lines;
    }
    this.inFlightUpTo = 0;
  }

  /** The replay failed: the chunks stay, and overflow may drop them again. */
  release(): void {
    this.inFlightUpTo = 0;
  }

  stats(): SpillStats {
    const o = this.lines > 0 ? (this.oldestStmt.get() as { spilled_at: number } | undefined) : undefined;
    return {
      lines: this.lines,
      bytes: this.bytes,
      oldestSpilledAt: o?.spilled_at,
      spilledTotal: this.spilledTotal,
      replayedTotal: this.replayedTotal,
      droppedTotal: this.droppedTotal,
    };
  }

  close(): void {
    this.db.close();
  }
}
