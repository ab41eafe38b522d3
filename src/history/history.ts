import type { TagInfo } from '../core/asset.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../store/db.js';
import { BLOCK_MINUTES, blockOf, OpenBlocks, type MinuteAgg } from './blocks.js';
import { ClosedMinutes, MINUTE, OpenMinutes } from './minutes.js';
import type { Agg } from './rows.js';
import { readPoints, type HistoryPoint, type Resolution } from './query.js';
import { HistoryStore, type HistoryWrite } from './store.js';

export type { HistoryPoint, Resolution } from './query.js';

/**
 * A minute is closed this long after it ended when no sample of a later minute closed it before
 * (tags that report rarely, or stopped): samples a little late still land in their minute.
 */
export const CLOSE_GRACE_MS = 5_000;

/** Blocks stored in one tick at most (about 10 ms); the others wait for the next ticks. */
export const BLOCKS_PER_TICK = 1_000;

/** Failed writes kept for the next flush (the store could not write, e.g. a full disk); beyond this the oldest are dropped and counted. */
const MAX_PENDING = 1_000_000;

export interface HistoryOptions {
  /** How long 1-minute aggregates are kept (ms). */
  minutes: number;
  /** How long 1-hour aggregates are kept (ms). */
  hours: number;
  log: Logger;
}

export interface HistoryStats {
  /** Minutes closed and written (to the journal, or straight into a block when late). */
  minutes: number;
  /** Blocks of 1-minute aggregates stored. */
  blocks: number;
  /** Flushes whose writes failed (retried at the next flush). */
  writeErrors: number;
  /** Writes waiting: failed ones, and blocks spread over the next ticks. */
  pending: number;
  /** Writes dropped because too many waited. */
  dropped: number;
  lastError: string | undefined;
}

/**
 * Local tag history: 1-minute min/avg/max/last (and count) per tag, and 1-hour aggregates, in the
 * gateway's SQLite store, so charts work without InfluxDB. A sink beside the rules.
 *
 * Lifecycle: construct (rebuilds the current blocks from the journal) → `add` per accepted sample
 * (a few typed-array updates, no allocation, no SQLite) → `flush` once a tick (closes minutes,
 * writes them in one transaction, stores complete blocks and their hours, prunes) → `close` at a
 * clean stop (also writes the open minutes; after a crash the open minute is lost).
 */
export class History {
  private readonly closed: ClosedMinutes;
  private readonly open: OpenMinutes;
  private readonly blocks: OpenBlocks;
  private readonly store: HistoryStore;
  /** Store id per catalog tag index. */
  private readonly ids: Int32Array;
  private pending: HistoryWrite[] = [];
  private lastPrune = Number.NaN;
  /** Blocks starting at or before this (minutes) were stored by the last scan. */
  private blocksScanned = -Infinity;
  private failing = false;
  private readonly counts: HistoryStats = { minutes: 0, blocks: 0, writeErrors: 0, pending: 0, dropped: 0, lastError: undefined };

  constructor(
    db: Db,
    private readonly tags: readonly TagInfo[],
    private readonly o: HistoryOptions,
  ) {
    this.store = new HistoryStore(db);
    this.closed = new ClosedMinutes(tags.length * 2);
    this.open = new OpenMinutes(tags.length, this.closed);
    this.blocks = new OpenBlocks(tags.length);
    const byKey = this.store.tagIds(tags.map((t) => ({ assetId: t.assetId, id: t.id })));
    this.ids = Int32Array.from(tags, (t) => byKey.get(`${t.assetId}/${t.id}`)!);
    this.replayJournal();
  }

  /** One accepted sample of tag `tag` (catalog index): the ingest hot path. */
  add(tag: number, ts: number, value: number): void {
    this.open.add(tag, ts, value);
  }

  /** Once a tick: closes due minutes, writes closed ones, stores complete blocks, prunes. Never throws. */
  flush(now: number): void {
    this.open.closeDue(now, CLOSE_GRACE_MS);
    this.write(now, false);
  }

  /** A clean stop: the open minutes are written too (a later sample of the same minute merges with them). */
  close(now: number): void {
    this.open.closeAll();
    this.write(now, true);
  }

  /** How long 1-minute and 1-hour aggregates are kept (ms). */
  get retention(): { minutes: number; hours: number } {
    return { minutes: this.o.minutes, hours: this.o.hours };
  }

  stats(): HistoryStats {
    return { ...this.counts, pending: this.pending.length };
  }

  /** 1-minute or 1-hour points of a tag (catalog index) in [from, to] (ms), oldest first. */
  query(tag: number, from: number, to: number, resolution: Resolution, now: number): HistoryPoint[] {
    const keep = resolution === '1m' ? this.o.minutes : this.o.hours;
    const id = this.ids[tag]!;
    const extra: MinuteAgg[] = this.blocks.minutes(tag);
    for (let k = 0; k < this.closed.length; k++) if (this.closed.tag(k) === tag) extra.push({ minute: this.closed.minute(k), ...this.closed.agg(k) });
    const open = this.open.agg(tag);
    if (open) extra.push(open);
    for (const w of this.pending) if (w.kind === 'block' && w.tag === id) extra.push(...w.minutes);
    return readPoints(this.store, id, { from: Math.max(from, now - keep), to, resolution, extra });
  }

  private write(now: number, all: boolean): void {
    const writes = this.pending;
    this.pending = [];
    this.drain(writes);
    // Blocks whose last minute is over: scanned when that moment moves on (every 20 minutes), or
    // after a block older than the last scan's was opened (late minutes), not every tick.
    const due = all ? Infinity : blockOf(Math.floor((now - CLOSE_GRACE_MS) / MINUTE)) - BLOCK_MINUTES;
    if (due > this.blocksScanned) {
      if (!all) this.blocksScanned = due;
      for (let t = 0; t < this.tags.length; t++) if (this.blocks.start[t]! <= due) writes.push(this.takeBlock(t));
    }
    // Every tag's block ends at the same minute: spread storing them over ticks, so one tick stays short.
    const now_: HistoryWrite[] = [];
    const later: HistoryWrite[] = [];
    let blocks = 0;
    for (const w of writes) (!all && w.kind === 'block' && ++blocks > BLOCKS_PER_TICK ? later : now_).push(w);
    try {
      this.store.apply(now_);
      if (this.failing) this.o.log.info({ writes: now_.length }, 'history writes succeed again');
      this.failing = false;
      this.pending = later;
      if (now_.some((w) => w.kind === 'block')) this.pruneJournal();
      this.pruneOld(now);
    } catch (e) {
      this.counts.writeErrors++;
      this.counts.lastError = errorMessage(e);
      if (!this.failing) this.o.log.error({ err: this.counts.lastError, writes: writes.length }, 'history could not be written; kept in memory and retried at the next tick');
      this.failing = true;
      const over = writes.length - MAX_PENDING;
      if (over > 0) this.counts.dropped += over;
      this.pending = over > 0 ? [...now_, ...later].slice(over) : [...now_, ...later];
    }
  }

  /** Moves closed minutes into their blocks (and the journal). */
  private drain(writes: HistoryWrite[]): void {
    const c = this.closed;
    for (let k = 0; k < c.length; k++) this.place(c.tag(k), c.minute(k), c.agg(k), writes, true);
    this.counts.minutes += c.length;
    c.length = 0;
  }

  /**
   * A closed minute goes into the tag's current block (journalled), starts a new block (the
   * current one is stored), or, late for a block already stored, is merged straight into it.
   */
  private place(t: number, minute: number, agg: Agg, writes: HistoryWrite[], journal: boolean): void {
    const b = blockOf(minute);
    const cur = this.blocks.start[t]!;
    if (b < cur) {
      writes.push({ kind: 'block', tag: this.ids[t]!, start: b, minutes: [{ minute, ...agg }] });
      return;
    }
    if (b > cur) writes.push(this.takeBlock(t));
    if (b !== cur) {
      this.blocks.open(t, b);
      if (b <= this.blocksScanned) this.blocksScanned = -Infinity; // an old block: the next scan stores it
    }
    this.blocks.merge(t, minute, agg);
    if (journal) writes.push({ kind: 'journal', tag: this.ids[t]!, minute, agg });
  }

  private takeBlock(t: number): HistoryWrite {
    const { start, minutes } = this.blocks.take(t);
    this.counts.blocks++;
    return { kind: 'block', tag: this.ids[t]!, start, minutes };
  }

  /** Journalled minutes are needed until their block is stored: keep those of the oldest open block on. */
  private pruneJournal(): void {
    if (this.pending.length) return;
    let oldest = Infinity;
    for (let t = 0; t < this.tags.length; t++) if (this.blocks.start[t]! < oldest) oldest = this.blocks.start[t]!;
    this.store.prune({ journalBefore: Number.isFinite(oldest) ? oldest : Number.MAX_SAFE_INTEGER });
  }

  /** Once a block period: 1-minute blocks older than `minutes`, hours older than `hours`. */
  private pruneOld(now: number): void {
    const period = blockOf(Math.floor(now / MINUTE));
    if (period === this.lastPrune) return;
    this.lastPrune = period;
    const minuteCut = Math.floor((now - this.o.minutes) / MINUTE);
    const hourCut = Math.floor((now - this.o.hours) / MINUTE);
    this.store.prune({ blocksBefore: blockOf(minuteCut), hoursBefore: hourCut - (hourCut % 60) });
  }

  /**
   * After a restart: the journalled minutes of blocks not yet stored go back into memory; those of
   * tags the site no longer has are stored as they are.
   */
  private replayJournal(): void {
    const index = new Map<number, number>();
    this.ids.forEach((id, t) => index.set(id, t));
    const storedBlock = new Map<string, boolean>();
    const writes: HistoryWrite[] = [];
    for (const r of this.store.journal()) {
      const b = blockOf(r.minute);
      const key = `${r.tag}/${b}`;
      let stored = storedBlock.get(key);
      if (stored === undefined) storedBlock.set(key, (stored = this.store.hasBlock(b, r.tag)));
      if (stored) continue; // the block was stored with this minute in it
      const t = index.get(r.tag);
      if (t === undefined) writes.push({ kind: 'block', tag: r.tag, start: b, minutes: [{ minute: r.minute, ...r.agg }] });
      else this.place(t, r.minute, r.agg, writes, false);
    }
    this.pending = writes;
  }
}
