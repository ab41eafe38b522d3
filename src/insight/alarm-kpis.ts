import type { AlarmEvent } from '../alarms/store.js';
import type { AlarmStateAt } from './store.js';

/**
 * Alarm-system performance after EEMUA 191 (3rd ed., 2013) and ISA-18.2 (2016) §16.9 /
 * Table 16 ("recommended alarm performance metrics"), computed from the alarm history. The
 * gateway counts every alarm of the site as one operator position's: these are its figures.
 */
export const ALARM_TARGETS = {
  /** ISA-18.2 Table 16: ~150 a day very likely acceptable, ~300 the most manageable. */
  perDay: { acceptable: 150, manageable: 300 },
  /** ISA-18.2 Table 16: ~1 per 10 minutes very likely acceptable, ~2 the most manageable. */
  per10min: { acceptable: 1, manageable: 2 },
  /** A flood: more than 10 alarms in 10 minutes (ISA-18.2 §16.9.4, EEMUA 191); time in flood under ~1 %. */
  flood: { alarms: 10, maxShare: 0.01 },
  /** The 10 most frequent alarms: ~1 % to 5 % of all, at most. */
  topTenMaxShare: 0.05,
  /** Stale alarms (active for more than 24 h): fewer than 5 on any day. */
  staleMaxPerDay: 5,
  /** Annunciated priority distribution, low / medium / high: ~80 % / ~15 % / ~5 %. */
  priorityMix: { low: 0.8, medium: 0.15, high: 0.05 },
  /** Chattering and fleeting alarms: none. */
  chattering: 0,
} as const;

const DAY = 86_400_000;
const TEN_MIN = 600_000;

/** An alarm as it stands now (from the alarm book). */
export interface CurrentAlarm {
  rule: string;
  asset: string;
  name: string;
  priority: number;
  active: boolean;
  /** Last change of `active` (ms). */
  since: number;
  chattering: boolean;
  shelved: boolean;
}

export interface AlarmKpiInput {
  from: number;
  to: number;
  /** Alarm history in [from, to], oldest first. */
  events: readonly AlarmEvent[];
  /** Each alarm's state just before `from`. */
  before: readonly AlarmStateAt[];
  current: readonly CurrentAlarm[];
}

export interface BadActor {
  rule: string;
  asset: string;
  priority: number;
  count: number;
  share: number;
}

/**
 * Priority mapping onto ISA-18.2's three annunciated levels: work-order priority 1 is "high",
 * 2 "medium", 3 and 4 "low".
 */
export function mixLevel(priority: number): 'high' | 'medium' | 'low' {
  return priority <= 1 ? 'high' : priority === 2 ? 'medium' : 'low';
}

const keyOf = (rule: string, asset: string) => `${rule}@${asset}`;

/** Alarm KPIs over [from, to]. */
export function alarmKpis(k: AlarmKpiInput) {
  const span = Math.max(1, k.to - k.from);
  const raises = k.events.filter((e) => e.change === 'raised');
  const total = raises.length;

  // Per day (UTC days from `from`) and per 10-minute slot (aligned to the epoch, like ISA-18.2's fixed periods).
  const days = Math.max(1, Math.ceil(span / DAY));
  const perDay = new Array<number>(days).fill(0);
  const slots = new Map<number, number>();
  for (const e of raises) {
    perDay[Math.min(days - 1, Math.floor((e.ts - k.from) / DAY))]!++;
    const s = Math.floor(e.ts / TEN_MIN);
    slots.set(s, (slots.get(s) ?? 0) + 1);
  }
  const slotCount = Math.max(1, Math.round(span / TEN_MIN));
  const floodSlots = [...slots.values()].filter((n) => n > ALARM_TARGETS.flood.alarms).length;

  // Bad actors: the most frequent alarms.
  const byKey = new Map<string, BadActor>();
  for (const e of raises) {
    const key = keyOf(e.rule_id, e.asset_id);
    const a = byKey.get(key) ?? { rule: e.rule_id, asset: e.asset_id, priority: e.priority, count: 0, share: 0 };
    a.count++;
    byKey.set(key, a);
  }
  const top = [...byKey.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)).slice(0, 10);
  for (const a of top) a.share = a.count / Math.max(1, total);

  // Priority mix of what was annunciated.
  const mix = { high: 0, medium: 0, low: 0 };
  for (const e of raises) mix[mixLevel(e.priority)]++;
  const share = (n: number) => (total ? n / total : 0);

  // Chattering: alarms that entered chattering in the window, or are chattering now.
  const chattering = new Set(k.events.filter((e) => e.change === 'chattering').map((e) => keyOf(e.rule_id, e.asset_id)));
  for (const a of k.current) if (a.chattering) chattering.add(keyOf(a.rule, a.asset));

  const standing = k.current.filter((a) => a.active);
  const stale = standing.filter((a) => k.to - a.since > DAY).map((a) => ({ rule: a.rule, asset: a.asset, name: a.name, priority: a.priority, activeHours: Math.round((k.to - a.since) / 360_000) / 10 }));

  return {
    from: new Date(k.from).toISOString(),
    to: new Date(k.to).toISOString(),
    total,
    perDay: { average: total / (span / DAY), max: Math.max(...perDay), days: perDay.map((count, i) => ({ day: new Date(k.from + i * DAY).toISOString(), count })) },
    per10min: { average: total / slotCount, max: Math.max(0, ...slots.values()) },
    flood: { slots: floodSlots, timeShare: floodSlots / slotCount },
    badActors: { top, topTenShare: share(top.reduce((s, a) => s + a.count, 0)) },
    chattering: [...chattering].sort(),
    standing: standing.length,
    stale,
    stalePerDayMax: maxStalePerDay(k),
    priorityMix: { counts: mix, shares: { high: share(mix.high), medium: share(mix.medium), low: share(mix.low) } },
    targets: ALARM_TARGETS,
  };
}

export type AlarmKpis = ReturnType<typeof alarmKpis>;

/**
 * The most alarms that were stale (active for more than 24 h) at the end of any day of the window,
 * from each alarm's active intervals (its state before the window, then its raises and clears).
 */
function maxStalePerDay(k: AlarmKpiInput): number {
  const activeSince = new Map<string, number>();
  for (const s of k.before) if (s.active) activeSince.set(keyOf(s.rule, s.asset), s.since);
  const intervals: [number, number][] = [];
  for (const e of k.events) {
    const key = keyOf(e.rule_id, e.asset_id);
    if (e.change === 'raised' && !activeSince.has(key)) activeSince.set(key, e.ts);
    else if (e.change === 'cleared' && activeSince.has(key)) {
      intervals.push([activeSince.get(key)!, e.ts]);
      activeSince.delete(key);
    }
  }
  for (const start of activeSince.values()) intervals.push([start, Infinity]);
  let max = 0;
  for (let d = k.from + DAY; d <= k.to + DAY - 1; d += DAY) {
    const at = Math.min(d, k.to);
    const n = intervals.filter(([s, e]) => s <= at - DAY && e > at).length;
    max = Math.max(max, n);
  }
  return max;
}
