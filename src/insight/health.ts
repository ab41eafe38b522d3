import type { Priority } from '../core/priority.js';
import type { Quality } from '../core/sample.js';

/**
 * Asset health for maintenance leads: a score from 100 (nothing to look at) down to 0, and the
 * reasons that took points off, each with its weight. The score is 100 minus the sum of the
 * weights, never below 0. Every weight is in {@link HEALTH_WEIGHTS} and docs/dashboard.md.
 *
 * A pure function of plain values ({@link HealthInput}); `collect.ts` reads them from the
 * gateway's parts, so tests give worked examples without a gateway.
 */

/** What took points off. */
export type ReasonKind = 'alarm' | 'trend' | 'sensor' | 'pm' | 'open-order' | 'recent-order' | 'out-of-service' | 'worst-child';

export interface Reason {
  kind: ReasonKind;
  /** Points taken off the score (0: listed for information only). */
  weight: number;
  /** What a maintenance lead reads: "P2 alarm Bearing hot (unacknowledged)". */
  detail: string;
  /** The alarm's rule, the tag, the order: what the page links to. */
  ref?: string;
}

/** The weights, in points off 100. */
export const HEALTH_WEIGHTS = {
  /** Per active alarm, by its priority (1 critical … 4 low). Shelved alarms count: the condition is still there. */
  alarm: { 1: 40, 2: 25, 3: 10, 4: 5 } as Record<Priority, number>,
  /** Per trend rule, by the predicted hours to its limit (a `timeToLimit` fact). Beyond a week: nothing. */
  trend: [
    { within: 24, weight: 30 },
    { within: 72, weight: 20 },
    { within: 168, weight: 10 },
  ],
  /** Per tag: Bad quality, silent for longer than `staleAfter`, Uncertain quality; all sensors together at most `cap`. */
  sensor: { bad: 10, stale: 10, uncertain: 5, cap: 30 },
  /** Per PM rule reading a usage meter: at or past its due value, or within `nearShare` of it. */
  pm: { pastDue: 15, nearDue: 5, nearShare: 0.9 },
  /** Per order open in the CMMS (not completed or cancelled), by its current priority; together at most `cap`. */
  openOrder: { 1: 15, 2: 10, 3: 5, 4: 2, cap: 30 } as Record<Priority, number> & { cap: number },
  /** Per condition order closed within the recent window (a problem that keeps coming back); together at most `cap`. */
  recentOrder: { each: 3, cap: 15 },
} as const;

export interface HealthAlarm {
  rule: string;
  name: string;
  priority: Priority;
  active: boolean;
  acknowledged: boolean;
  shelved: boolean;
  outOfService: boolean;
}

export interface HealthTrend {
  rule: string;
  /** The tag the trend reads, and its name as people read it. */
  tag: string;
  name?: string;
  /** Hours until the trend reaches `limit`; Infinity when it does not head there; NaN when unknown yet. */
  hours: number;
  limit: number;
  unit: string | undefined;
}

export interface HealthSensor {
  tag: string;
  name: string;
  /** Quality of the latest sample; undefined when the tag never reported. */
  quality: Quality | undefined;
  /** Milliseconds since the last usable (not Bad) sample, or since the gateway started when none came yet. */
  silentFor: number;
}

export interface HealthPm {
  rule: string;
  name: string;
  meter: string;
  value: number;
  due: number;
  unit: string;
}

export interface HealthOrder {
  id: string;
  title: string;
  priority: Priority;
  status: string;
}

export interface HealthInput {
  alarms: readonly HealthAlarm[];
  trends: readonly HealthTrend[];
  sensors: readonly HealthSensor[];
  pm: readonly HealthPm[];
  openOrders: readonly HealthOrder[];
  /** Condition orders closed (completed or cancelled) within the recent window. */
  recentOrders: readonly HealthOrder[];
}

export interface HealthPolicy {
  /** A tag silent for longer than this is stale (ms). Default 15 minutes. */
  staleAfter: number;
  /** Days back that closed condition orders count as recent. Default 30. */
  recentDays: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { staleAfter: 15 * 60_000, recentDays: 30 };

export interface AssetHealth {
  score: number;
  /** Heaviest first. */
  reasons: Reason[];
}

const hours = (h: number) => (h < 48 ? `${Math.round(h)} h` : `${Math.round(h / 24)} days`);
const minutes = (ms: number) => (ms < 2 * 3_600_000 ? `${Math.round(ms / 60_000)} min` : hours(ms / 3_600_000));

function alarmReasons(alarms: readonly HealthAlarm[]): Reason[] {
  const out: Reason[] = [];
  for (const a of alarms) {
    if (a.outOfService) {
      out.push({ kind: 'out-of-service', weight: 0, detail: `${a.name}: out of service, its alarms and orders are suppressed`, ref: a.rule });
      continue;
    }
    if (!a.active) continue;
    const how = a.shelved ? 'shelved' : a.acknowledged ? 'acknowledged' : 'unacknowledged';
    out.push({ kind: 'alarm', weight: HEALTH_WEIGHTS.alarm[a.priority], detail: `P${a.priority} alarm ${a.name} (${how})`, ref: a.rule });
  }
  return out;
}

function trendReasons(trends: readonly HealthTrend[]): Reason[] {
  const out: Reason[] = [];
  for (const t of trends) {
    if (!(t.hours >= 0) || !Number.isFinite(t.hours)) continue;
    const band = HEALTH_WEIGHTS.trend.find((b) => t.hours <= b.within);
    if (!band) continue;
    out.push({ kind: 'trend', weight: band.weight, detail: `${t.name ?? t.tag} predicted to reach ${t.limit}${t.unit ? ` ${t.unit}` : ''} in ${hours(t.hours)}`, ref: t.tag });
  }
  return out;
}

function sensorReasons(sensors: readonly HealthSensor[], p: HealthPolicy): Reason[] {
  const w = HEALTH_WEIGHTS.sensor;
  const out: Reason[] = [];
  for (const s of sensors) {
    if (s.quality === 'Bad') out.push({ kind: 'sensor', weight: w.bad, detail: `${s.name}: Bad quality`, ref: s.tag });
    else if (s.silentFor > p.staleAfter) out.push({ kind: 'sensor', weight: w.stale, detail: `${s.name}: ${s.quality === undefined ? 'no value yet' : 'silent'} for ${minutes(s.silentFor)}`, ref: s.tag });
    else if (s.quality === 'Uncertain') out.push({ kind: 'sensor', weight: w.uncertain, detail: `${s.name}: Uncertain quality`, ref: s.tag });
  }
  return capped(out, w.cap);
}

function pmReasons(pm: readonly HealthPm[]): Reason[] {
  const w = HEALTH_WEIGHTS.pm;
  const out: Reason[] = [];
  for (const m of pm) {
    if (!(m.due > 0)) continue;
    const v = Math.round(m.value);
    if (m.value >= m.due) out.push({ kind: 'pm', weight: w.pastDue, detail: `${m.name}: due at ${m.due} ${m.unit}, now ${v} ${m.unit}`, ref: m.rule });
    else if (m.value >= w.nearShare * m.due) out.push({ kind: 'pm', weight: w.nearDue, detail: `${m.name}: due at ${m.due} ${m.unit}, now ${v} ${m.unit}`, ref: m.rule });
  }
  return out;
}

function orderReasons(open: readonly HealthOrder[], recent: readonly HealthOrder[], p: HealthPolicy): Reason[] {
  const w = HEALTH_WEIGHTS;
  const opened = capped(
    open.map((o) => ({ kind: 'open-order' as const, weight: w.openOrder[o.priority], detail: `P${o.priority} order ${o.status.replace('_', ' ')} in the CMMS: ${o.title}`, ref: o.id })),
    w.openOrder.cap,
  );
  const closed = capped(
    recent.map((o) => ({ kind: 'recent-order' as const, weight: w.recentOrder.each, detail: `Condition order completed within the last ${p.recentDays} days: ${o.title}`, ref: o.id })),
    w.recentOrder.cap,
  );
  return [...opened, ...closed];
}

/** Keeps every reason listed, but lowers the lightest ones so that together they take at most `cap`. */
function capped(reasons: Reason[], cap: number): Reason[] {
  const sorted = [...reasons].sort((a, b) => b.weight - a.weight);
  let left = cap;
  return sorted.map((r) => {
    const weight = Math.min(r.weight, left);
    left -= weight;
    return { ...r, weight };
  });
}

/** The score of one asset and the reasons for it, heaviest first. */
export function assetHealth(input: HealthInput, policy: HealthPolicy = DEFAULT_HEALTH_POLICY): AssetHealth {
  const reasons = [
    ...alarmReasons(input.alarms),
    ...trendReasons(input.trends),
    ...sensorReasons(input.sensors, policy),
    ...pmReasons(input.pm),
    ...orderReasons(input.openOrders, input.recentOrders, policy),
  ].sort((a, b) => b.weight - a.weight);
  const off = reasons.reduce((s, r) => s + r.weight, 0);
  return { score: Math.max(0, 100 - off), reasons };
}

/** The band a score falls in, as the page colours it: good ≥ 80, watch ≥ 50, act below. */
export function healthBand(score: number): 'good' | 'watch' | 'act' {
  return score >= 80 ? 'good' : score >= 50 ? 'watch' : 'act';
}
