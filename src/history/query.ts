import { BLOCK_MINUTES, blockOf, type MinuteAgg } from './blocks.js';
import { MINUTE } from './minutes.js';
import { mergeAgg, type Agg } from './rows.js';
import type { HistoryStore } from './store.js';

export type Resolution = '1m' | '1h';

/** One point of a tag's history: the aggregate of the minute or hour starting at `t` (ms). */
export interface HistoryPoint extends Agg {
  t: number;
}

export interface PointQuery {
  /** Range in ms; the minute or hour holding `from` is included. */
  from: number;
  to: number;
  resolution: Resolution;
  /** Minutes not in the store yet (the current block, closed minutes not flushed, the open minute). */
  extra: readonly MinuteAgg[];
}

const unitStart = (minute: number, unit: number) => minute - (((minute % unit) + unit) % unit);

/**
 * Reads a tag's points: stored blocks (1m) or hours (1h) by point lookups, one per block or hour
 * in the range (the tables are ordered by time, so a range scan would read every tag), merged with
 * the minutes still in memory. Stored points come in time order; the few in memory are merged in.
 */
export function readPoints(store: Pick<HistoryStore, 'block' | 'hour'>, tag: number, q: PointQuery): HistoryPoint[] {
  const unit = q.resolution === '1m' ? 1 : 60;
  const first = unitStart(Math.floor(q.from / MINUTE), unit);
  const last = Math.floor(q.to / MINUTE);
  if (last < first) return [];
  const stored: MinuteAgg[] = [];
  if (unit === 1) {
    for (let b = blockOf(first); b <= last; b += BLOCK_MINUTES) for (const m of store.block(b, tag)) if (m.minute >= first && m.minute <= last) stored.push(m);
  } else {
    for (let h = first; h <= last; h += 60) {
      const a = store.hour(h, tag);
      if (a) stored.push({ minute: h, ...a });
    }
  }
  // The minutes in memory, folded into their minute or hour.
  const pending = new Map<number, MinuteAgg>();
  for (const m of q.extra) {
    const k = unitStart(m.minute, unit);
    if (k < first || k > last) continue;
    const have = pending.get(k);
    if (have) mergeAgg(have, m);
    else pending.set(k, { ...m, minute: k });
  }
  const out: HistoryPoint[] = new Array(stored.length);
  for (let i = 0; i < stored.length; i++) {
    const s = stored[i]!;
    const p = pending.get(s.minute);
    if (p) {
      mergeAgg(s, p);
      pending.delete(s.minute);
    }
    out[i] = { t: s.minute * MINUTE, min: s.min, max: s.max, sum: s.sum, count: s.count, last: s.last, lastTs: s.lastTs };
  }
  if (pending.size === 0) return out;
  for (const p of pending.values()) out.push({ t: p.minute * MINUTE, min: p.min, max: p.max, sum: p.sum, count: p.count, last: p.last, lastTs: p.lastTs });
  return out.sort((a, b) => a.t - b.t);
}
