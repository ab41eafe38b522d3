import { parseDuration } from '../config/duration.js';
import type { Features } from '../tags/features.js';
import type { Catalog } from '../tags/catalog.js';
import type { LatestValues } from '../tags/latest.js';
import type { Meters } from '../tags/meters.js';
import type { Baselines } from './baselines.js';
import { num, windowFact, WINDOW_STATS, type WindowStat } from './window-facts.js';

/** What a condition's `fact` resolves to for one asset: a reader and the tags it depends on. */
export interface FactBinding {
  read(): number;
  /** Tag indices whose samples should re-evaluate conditions that read this fact. */
  tags: number[];
  /** How evidence names it (`bearing_temp`, `bearing_temp.slope(24h)`), and its unit. */
  label: string;
  unit: string | undefined;
  /** True when the value changes with time alone (windows, age): re-evaluated on every tick. */
  timed: boolean;
  /** Set when the fact is just a tag's latest value: lets the engine test simple thresholds inline. */
  plainTag?: number;
  /** Set for a window average on the fact's own tag: the value as of that tag's newest sample. */
  cell?: Float64Array;
  /**
   * Set for window statistics: true while the value is unknown because too much of the window's
   * data was Bad. No comparison holds on it (it reads NaN), and an active alarm reading it does
   * not return to normal either: bad data tells nothing about the machine, as a Bad sample,
   * which never reaches the rules, does not.
   */
  badData?: { unknown(): boolean };
}

/** Resolves a fact name (+ params) on an asset for one rule instance, or returns why it cannot. */
export type FactResolver = (fact: string, params: Record<string, unknown> | undefined, assetId: string, instanceKey: string) => FactBinding | string;

export interface FactSources {
  catalog: Catalog;
  latest: LatestValues;
  features: Features;
  meters: Meters;
  baselines: Baselines;
  /** Gateway start: a sensor never heard from is as stale as the time since then. */
  startedAt: () => number;
}

export const STATS = ['latest', ...WINDOW_STATS, 'ewma', 'cusum', 'age'] as const;
type Stat = (typeof STATS)[number];
const PARAMS = new Set(['asset', 'stat', 'window', 'per', 'alpha', 'target', 'k', 'side', 'limit', 'bound', 'since', 'unit', 'minSamples', 'minCoverage', 'maxBadShare', 'daily', 'defaultInterval']);
/** Params that only some stats take: which, for the error. */
const ONLY: Record<string, { stats: readonly Stat[]; say: string }> = {
  window: { stats: WINDOW_STATS, say: 'window statistics' },
  minCoverage: { stats: WINDOW_STATS, say: 'window statistics' },
  maxBadShare: { stats: WINDOW_STATS, say: 'window statistics' },
  daily: { stats: ['slope', 'timeToLimit'], say: 'stat slope and timeToLimit' },
  limit: { stats: ['timeToLimit'], say: 'stat timeToLimit' },
  bound: { stats: ['timeToLimit'], say: 'stat timeToLimit' },
  minSamples: { stats: ['timeToLimit'], say: 'stat timeToLimit' },
  defaultInterval: { stats: ['age'], say: 'stat age with per: interval' },
  alpha: { stats: ['ewma'], say: 'stat ewma' },
  target: { stats: ['cusum'], say: 'stat cusum' },
  k: { stats: ['cusum'], say: 'stat cusum' },
  side: { stats: ['cusum'], say: 'stat cusum' },
};
/** Age units: ms in one. */
const AGE_UNIT: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The facts a condition can read, by name and `params`:
 * - a tag of the asset (`fact: bearing_temp`): its latest usable value;
 * - `params.stat` over `params.window`: avg, min, max, stddev, count, rate, slope and
 *   timeToLimit, with `minCoverage`, `maxBadShare` and `daily` (see {@link windowFact});
 * - `stat: ewma` (`alpha`), `stat: cusum` (`target`, `k`, `side`);
 * - `stat: age`: time since the last good sample, or since the gateway started for a sensor not
 *   heard from since (stale sensor), in seconds or `per` min, h, d, or `per: interval`: in the
 *   tag's reporting intervals (configured, else learned; `defaultInterval` stands in while neither
 *   is known, else the age is unknown);
 * - a meter of the asset (`fact: run_hours`), with `params.since: service` counting from the
 *   last completed work order of this rule;
 * - `params.asset` reads another asset's tag (cross-asset conditions).
 */
export function siteFacts(src: FactSources): FactResolver {
  const { catalog, latest, features, meters } = src;
  return (fact, rawParams, assetId, instanceKey) => {
    const params = rawParams ?? {};
    const unknown = Object.keys(params).filter((k) => !PARAMS.has(k));
    if (unknown.length) return `params: unknown ${unknown.join(', ')}; expected some of ${[...PARAMS].join(', ')}`;
    const target = typeof params.asset === 'string' ? params.asset : assetId;
    const meter = catalog.meter(`${target}/${fact}`);
    if (meter) {
      const i = meter.index;
      const unit = meter.type === 'runHours' ? 'h' : 'starts';
      if (params.since === undefined) return { read: () => meters.value[i]!, tags: [meter.tagIndex], label: fact, unit, timed: false };
      if (params.since !== 'service') return `params.since: expected "service"`;
      const b = src.baselines.slot(instanceKey, fact, () => meters.value[i]!);
      return { read: () => meters.value[i]! - b.value, tags: [meter.tagIndex], label: `${fact} since service`, unit, timed: false };
    }
    const info = catalog.tag(`${target}/${fact}`);
    if (!info) {
      const a = catalog.asset(target);
      if (!a) return `unknown asset "${target}" in params.asset`;
      const known = [...a.tags.map((t) => t.id), ...a.meters.map((m) => m.id)];
      return `unknown fact "${fact}": asset "${target}" has no such tag or meter (known: ${known.join(', ') || 'none'})`;
    }
    // `since: service` counts a meter from the last completed order; a tag has no such baseline,
    // and reading it as the plain value would hide the author's mistake.
    if (params.since !== undefined) return `params.since: applies to meters (${catalog.asset(target)?.meters.map((m) => m.id).join(', ') || 'this asset has none'}), not to the tag "${fact}"`;
    const t = info.index;
    const name = target === assetId ? info.id : info.key;
    const stat = (params.stat ?? 'latest') as Stat;
    if (!STATS.includes(stat)) return `params.stat: expected one of ${STATS.join(', ')}`;
    const unit = info.unit;
    const base = { tags: [t], unit };
    for (const [p, only] of Object.entries(ONLY)) {
      if (params[p] !== undefined && !only.stats.includes(stat)) return `params.${p}: applies to ${only.say}, not to stat ${stat}`;
    }
    switch (stat) {
      case 'latest':
        return { ...base, read: () => latest.num[t]!, label: name, timed: false, plainTag: t };
      case 'age':
        return ageFact(src, t, name, params);
      case 'ewma': {
        const alpha = num(params, 'alpha');
        if (typeof alpha === 'string') return alpha;
        if (!(alpha > 0 && alpha <= 1)) return 'params.alpha: expected 0 < alpha ≤ 1';
        const e = features.ewma(t, alpha);
        return { ...base, read: () => e.value, label: `${name}.ewma(${alpha})`, timed: false };
      }
      case 'cusum': {
        const tg = num(params, 'target');
        const k = num(params, 'k', 0);
        if (typeof tg === 'string') return tg;
        if (typeof k === 'string') return k;
        const side = params.side ?? 'upper';
        if (side !== 'upper' && side !== 'lower') return 'params.side: expected upper or lower';
        const c = features.cusum(t, tg, k, side);
        return { ...base, read: () => c.value, label: `${name}.cusum(${side})`, timed: false };
      }
      default:
        return windowFact(stat as WindowStat, params, { features, tag: t, name, unit, own: target === assetId });
    }
  };
}
export { timeToLimit } from './window-facts.js';

/**
 * Time since the tag's last good sample (or since the gateway started, for a sensor not heard
 * from since): seconds, `per: min | h | d`, or `per: interval`, in the tag's reporting intervals,
 * so that "silent for 3.5 intervals" fits a 1 s and a 1 h sensor alike.
 */
function ageFact(src: FactSources, t: number, name: string, params: Record<string, unknown>): FactBinding | string {
  const { latest, features } = src;
  const ageMs = () => {
    const last = latest.lastGoodTs[t]!;
    const since = src.startedAt();
    return features.now - (last > since ? last : since); // NaN (never heard from) compares false: since start
  };
  const per = String(params.per ?? 's');
  const base = { tags: [t], timed: true };
  if (per !== 'interval') {
    const ms = AGE_UNIT[per];
    if (ms === undefined) return 'params.per: expected s, min, h, d or interval for stat age';
    if (params.defaultInterval !== undefined) return 'params.defaultInterval: applies to stat age with per: interval';
    return { ...base, read: () => ageMs() / ms, label: per === 's' ? `${name}.age` : `${name}.age(${per})`, unit: per };
  }
  let fallback = Number.NaN;
  if (params.defaultInterval !== undefined) {
    const d = params.defaultInterval;
    const ms = typeof d === 'string' || typeof d === 'number' ? parseDuration(d) : undefined;
    if (!(ms && ms > 0)) return 'params.defaultInterval: expected a duration above zero, such as 10m (the interval assumed while none is configured or learned)';
    fallback = ms;
  }
  const r = features.interval(t);
  return {
    ...base,
    read: () => {
      const iv = r.value;
      return ageMs() / (iv === iv ? iv : fallback);
    },
    label: `${name}.age(intervals)`,
    unit: 'intervals',
  };
}
