import { CbmError } from '../core/errors.js';
import { isoTime } from '../core/timestamp.js';
import type { SampleTable } from '../rules/sample-table.js';
import type { ReplayEvent } from './events.js';

/** `--limit p-1/bearing_temp=95`: the value at which the fault is plainly there (a trip, a failure). */
export interface Limit {
  asset: string;
  tag: string;
  value: number;
  /** Crossed going down (`<=`) rather than up (`=` or `>=`). */
  below: boolean;
}

/** How long before the limit was first crossed each work order of its asset came. */
export interface LeadTime {
  limit: string;
  /** When the samples first reached the limit (ISO 8601); null when they never did. */
  crossedAt: string | null;
  orders: {
    ts: string;
    rule: string;
    priority: number;
    episode: number;
    /** Crossing time minus order time (ms): positive, the order came first; negative, it came after; null: never crossed. */
    leadMs: number | null;
  }[];
}

const LIMIT_RE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\s*(>=|<=|=)\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$/;

export function parseLimit(text: string): Limit {
  const m = LIMIT_RE.exec(text.trim());
  if (!m) throw new CbmError('CBM_ERR_BAD_REQUEST', `--limit ${JSON.stringify(text)}: expected asset/tag=value (or asset/tag<=value for a limit crossed going down), e.g. p-1/bearing_temp=95`);
  return { asset: m[1]!, tag: m[2]!, value: Number(m[4]), below: m[3] === '<=' };
}

export function formatLimit(l: Limit): string {
  return `${l.asset}/${l.tag} ${l.below ? '≤' : '≥'} ${l.value}`;
}

/** The time of the first sample of the limit's tag at or beyond it; undefined when none is. */
export function firstCrossing(table: SampleTable, l: Limit): number | undefined {
  const series = table.names.findIndex((n) => n.asset === l.asset && n.tag === l.tag);
  if (series < 0) throw new CbmError('CBM_ERR_BAD_REQUEST', `--limit ${l.asset}/${l.tag}: the samples have no such asset and tag`);
  for (let i = 0; i < table.length; i++) {
    if (table.series[i] !== series) continue;
    const v = table.value[i]!;
    if (l.below ? v <= l.value : v >= l.value) return table.ts[i]!;
  }
  return undefined;
}

/** The lead time of every work order on the limit's asset before the limit was first crossed. */
export function leadTimes(events: readonly ReplayEvent[], table: SampleTable, l: Limit): LeadTime {
  const crossedAt = firstCrossing(table, l);
  const orders = events
    .filter((e) => e.type === 'workorder' && e.asset === l.asset)
    .map((e) => ({ ts: e.ts, rule: e.rule, priority: e.priority, episode: e.episode, leadMs: crossedAt === undefined ? null : crossedAt - Date.parse(e.ts) }));
  return { limit: formatLimit(l), crossedAt: crossedAt === undefined ? null : isoTime(crossedAt), orders };
}

/** `3d 4h`, `25m 10s`, `0s`: a lead time for people. */
export function formatSpan(ms: number): string {
  let s = Math.round(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (s >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
