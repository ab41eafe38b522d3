import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import { BLOCK_MINUTES, decodeBlock, encodeBlock, type MinuteAgg } from './blocks.js';
import { mergeAgg, type Agg } from './rows.js';

/** A write the flush decided on; applied together in one transaction (and retried together if it fails). */
export type HistoryWrite =
  /** A closed minute of a tag's current block: kept in the journal until the block is stored. */
  | { kind: 'journal'; tag: number; minute: number; agg: Agg }
  /** Minutes stored as (or merged into) a block, and added to their hour. */
  | { kind: 'block'; tag: number; start: number; minutes: MinuteAgg[] };

interface AggRow {
  min_value: number;
  max_value: number;
  sum_value: number;
  count: number;
  last_value: number;
  last_at: number;
}

const toAgg = (r: AggRow): Agg => ({ min: r.min_value, max: r.max_value, sum: r.sum_value, count: r.count, last: r.last_value, lastTs: r.last_at });

/** Merge on conflict: the stored aggregate and the new one add up (a minute or hour written twice). */
const MERGE = `ON CONFLICT DO UPDATE SET
  min_value = min(min_value, excluded.min_value), max_value = max(max_value, excluded.max_value),
  sum_value = sum_value + excluded.sum_value, count = count + excluded.count,
  last_value = CASE WHEN excluded.last_at >= last_at THEN excluded.last_value ELSE last_value END,
  last_at = max(last_at, excluded.last_at)`;

/**
 * The history tables (migration "local tag history"): tag ids, the journal of closed minutes,
 * blocks of 1-minute aggregates and 1-hour aggregates. Times are minutes since the epoch.
 */
export class HistoryStore {
  private readonly s: Record<'tagIns' | 'tagIds' | 'journalIns' | 'journalAll' | 'journalPrune' | 'blockGet' | 'blockPut' | 'blockPrune' | 'hourIns' | 'hourGet' | 'hourPrune', Statement>;
  private readonly tx: (writes: readonly HistoryWrite[]) => void;

  constructor(private readonly db: Db) {
    const cols = 'min_value, max_value, sum_value, count, last_value, last_at';
    this.s = {
      tagIns: db.prepare('INSERT OR IGNORE INTO history_tags (asset_id, tag_id) VALUES (?, ?)'),
      tagIds: db.prepare('SELECT id, asset_id, tag_id FROM history_tags'),
      journalIns: db.prepare(`INSERT INTO history_journal (minute, tag, ${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ${MERGE}`),
      journalAll: db.prepare(`SELECT minute, tag, ${cols} FROM history_journal ORDER BY minute, tag`),
      journalPrune: db.prepare('DELETE FROM history_journal WHERE minute < ?'),
      blockGet: db.prepare('SELECT data FROM history_blocks WHERE start = ? AND tag = ?').pluck(),
      blockPut: db.prepare('INSERT OR REPLACE INTO history_blocks (start, tag, data) VALUES (?, ?, ?)'),
      blockPrune: db.prepare('DELETE FROM history_blocks WHERE start < ?'),
      hourIns: db.prepare(`INSERT INTO history_hours (hour, tag, ${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ${MERGE}`),
      hourGet: db.prepare(`SELECT ${cols} FROM history_hours WHERE hour = ? AND tag = ?`),
      hourPrune: db.prepare('DELETE FROM history_hours WHERE hour < ?'),
    };
    this.tx = db.transaction((writes: readonly HistoryWrite[]) => {
      for (const w of writes) {
        if (w.kind === 'journal') this.s.journalIns.run(w.minute, w.tag, ...aggValues(w.agg));
        else this.putBlock(w.tag, w.start, w.minutes);
      }
    });
  }

  /** The store's id of each `asset/tag`, made on first sight; ids never change. */
  tagIds(keys: readonly { assetId: string; id: string }[]): Map<string, number> {
    this.db.transaction(() => {
      for (const k of keys) this.s.tagIns.run(k.assetId, k.id);
    })();
    const out = new Map<string, number>();
    for (const r of this.s.tagIds.all() as { id: number; asset_id: string; tag_id: string }[]) out.set(`${r.asset_id}/${r.tag_id}`, r.id);
    return out;
  }

  apply(writes: readonly HistoryWrite[]): void {
    if (writes.length) this.tx(writes);
  }

  /** Every journalled minute, oldest first (a restart rebuilds the current blocks from them). */
  journal(): { minute: number; tag: number; agg: Agg }[] {
    return (this.s.journalAll.all() as (AggRow & { minute: number; tag: number })[]).map((r) => ({ minute: r.minute, tag: r.tag, agg: toAgg(r) }));
  }

  hasBlock(start: number, tag: number): boolean {
    return this.s.blockGet.get(start, tag) !== undefined;
  }

  /** A stored block's minutes (empty when there is none). */
  block(start: number, tag: number): MinuteAgg[] {
    const data = this.s.blockGet.get(start, tag) as Buffer | undefined;
    return data ? decodeBlock(start, data) : [];
  }

  hour(hour: number, tag: number): Agg | undefined {
    const r = this.s.hourGet.get(hour, tag) as AggRow | undefined;
    return r ? toAgg(r) : undefined;
  }

  /** Deletes journalled minutes before `minute`, blocks before `blocksFrom` and hours before `hoursFrom`. */
  prune(o: { journalBefore?: number; blocksBefore?: number; hoursBefore?: number }): void {
    this.db.transaction(() => {
      if (o.journalBefore !== undefined) this.s.journalPrune.run(o.journalBefore);
      if (o.blocksBefore !== undefined) this.s.blockPrune.run(o.blocksBefore);
      if (o.hoursBefore !== undefined) this.s.hourPrune.run(o.hoursBefore);
    })();
  }

  /** Stores minutes into their block (merged with what the block holds) and adds them to the hour. */
  private putBlock(tag: number, start: number, minutes: readonly MinuteAgg[]): void {
    if (minutes.length === 0) return;
    const stored = this.block(start, tag);
    const merged = stored.length ? mergeMinutes(start, stored, minutes) : minutes;
    this.s.blockPut.run(start, tag, encodeBlock(start, merged));
    const hour: Agg = { ...minutes[0]! };
    for (let i = 1; i < minutes.length; i++) mergeAgg(hour, minutes[i]!);
    this.s.hourIns.run(start - (start % 60), tag, ...aggValues(hour));
  }
}

function aggValues(a: Agg): [number, number, number, number, number, number] {
  return [a.min, a.max, a.sum, a.count, a.last, a.lastTs];
}

/** Two sets of minutes of the block starting at `start`, merged minute by minute, in order. */
function mergeMinutes(start: number, a: readonly MinuteAgg[], b: readonly MinuteAgg[]): MinuteAgg[] {
  const bySlot = new Array<MinuteAgg | undefined>(BLOCK_MINUTES);
  for (const m of [...a, ...b]) {
    const have = bySlot[m.minute - start];
    if (have) mergeAgg(have, m);
    else bySlot[m.minute - start] = { ...m };
  }
  return bySlot.filter((m): m is MinuteAgg => m !== undefined);
}
