import { BLOCK_MINUTES, blockOf, type MinuteAgg } from './blocks.js';
import { MINUTE, mergeAgg, type Agg } from './minutes.js';
import type { HistoryStore } from './store.js';

export type Resolution = '1m' | '1h';

/** One point of a tag's history: the minute's or hour's aggregate, `t` its start (ms). */
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

/**
 * Reads a tag's points: stored blocks (1m) or hours (1h) by point lookups, one per block or hour
 * in the range (the tables are ordered by time, so a range scan would read every tag), merged with
 * the minutes still in memory.
 */
export function readPoints(store: Pick<HistoryStore, 'block' | 'hour'>, tag: number, q: PointQuery): HistoryPoint[] {
  const fromMin = Math.floor(q.from / MINUTE);
  const toMin = Math.floor(q.to / MINUTE);
  const unit = q.resolution === '1m' ? 1 : 60;
  const first = fromMin - (((fromMin % unit) + unit) % unit);
  const points = new Map<number, Agg>();
  const add = (key: number, a: Agg) => {
    if (key < first || key > toMin) return;
    const have = points.get(key);
    if (have) mergeAgg(have, a);
    else points.set(key, { min: a.min, max: a.max, sum: a.sum, count: a.count, last: a.last, lastTs: a.lastTs });
  };
  if (toMin < first) return [];
  if (unit === 1) {
    for (let b = blockOf(first); b <= toMin; b += BLOCK_MINUTES) for (const m of store.block(b, tag)) add(m.minute, m);
  } else {
    for (let h = first; h <= toMin; h += 60) {
      const a = store.hour(h, tag);
      if (a) add(h, a);
    }
  }
  for (const m of q.extra) add(m.minute - (((m.minute % unit) + unit) % unit), m);
  return [...points].sort((a, b) => a[0] - b[0]).map(([k, a]) => ({ t: k * MINUTE, ...a }));
}
