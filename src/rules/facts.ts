import { parseDuration } from '../config/duration.js';
import type { Features } from '../tags/features.js';
import type { Need } from '../tags/window.js';
import type { Catalog } from '../tags/catalog.js';
import type { LatestValues } from '../tags/latest.js';
import type { Meters } from '../tags/meters.js';
import type { Baselines } from './baselines.js';

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

export const STATS = ['latest', 'avg', 'min', 'max', 'stddev', 'count', 'rate', 'slope', 'ewma', 'cusum', 'timeToLimit', 'age'] as const;
type Stat = (typeof STATS)[number];
const PARAMS = new Set(['asset', 'stat', 'window', 'per', 'alpha', 'target', 'k', 'side', 'limit', 'bound', 'since', 'unit', 'minSamples']);
const PER: Record<string, number> = { s: 1 / 3600, min: 1 / 60, h: 1, d: 24 };

function num(params: Record<string, unknown>, key: string, dflt?: number): number | string {
  const v = params[key] ?? dflt;
  return typeof v === 'number' && Number.isFinite(v) ? v : `params.${key}: expected a number${dflt === undefined ? ' (required)' : ''}`;
}

/**
 * The facts a condition can read, by name and `params`:
 * - a tag of the asset (`fact: bearing_temp`): its latest usable value;
 * - `params.stat` over `params.window`: avg, min, max, stddev, count, rate and slope (per
 *   `params.per`: s, min, h, d; default h), from bucketed summaries;
 * - `stat: ewma` (`alpha`), `stat: cusum` (`target`, `k`, `side`);
 * - `stat: timeToLimit` (`limit`, `window`, `bound`: expected | earliest | latest, `minSamples`
 *   default 10): hours until the least-squares trend reaches the limit, ±2 standard errors of the
 *   slope for the bounds; Infinity when the trend does not approach the limit; unknown (no
 *   comparison holds) until the window holds `minSamples`;
 * - `stat: age`: seconds since the last good sample (stale sensor);
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
    const t = info.index;
    const name = target === assetId ? info.id : info.key;
    const stat = (params.stat ?? 'latest') as Stat;
    if (!STATS.includes(stat)) return `params.stat: expected one of ${STATS.join(', ')}`;
    const unit = info.unit;
    const base = { tags: [t], unit };
    const windowOf = (): number | string => {
      const w = params.window;
      const ms = typeof w === 'string' || typeof w === 'number' ? parseDuration(w) : undefined;
      return ms && ms > 0 ? ms : `params.window: expected a duration such as 10m or 24h (required for stat ${stat})`;
    };
    switch (stat) {
      case 'latest':
        return { ...base, read: () => latest.num[t]!, label: name, timed: false, plainTag: t };
      case 'age':
        return { ...base, read: () => (features.now - Math.max(Number.isNaN(latest.lastGoodTs[t]!) ? -Infinity : latest.lastGoodTs[t]!, src.startedAt())) / 1000, label: `${name}.age`, unit: 's', timed: true };
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
      default: {
        const wms = windowOf();
        if (typeof wms === 'string') return wms;
        const need: Record<string, Need[]> = { stddev: ['moments'], min: ['extremes'], max: ['extremes'], rate: ['endpoints'], slope: ['regression'], timeToLimit: ['regression'] };
        const w = features.window(t, wms, need[stat] ?? []);
        const wl = String(params.window);
        const per = String(params.per ?? 'h');
        const f = PER[per];
        if (f === undefined) return 'params.per: expected s, min, h or d';
        const timed = { ...base, timed: true };
        switch (stat) {
          case 'avg':
            return { ...timed, read: () => w.avg(features.now), label: `${name}.avg(${wl})`, ...(target === assetId ? { cell: w.avgCell } : {}) };
          case 'min':
            return { ...timed, read: () => w.min_(features.now), label: `${name}.min(${wl})` };
          case 'max':
            return { ...timed, read: () => w.max_(features.now), label: `${name}.max(${wl})` };
          case 'stddev':
            return { ...timed, read: () => w.stddev(features.now), label: `${name}.stddev(${wl})` };
          case 'count':
            return { ...timed, read: () => w.count(features.now), label: `${name}.count(${wl})`, unit: 'samples' };
          case 'rate':
            return { ...timed, read: () => w.rate(features.now) * f, label: `${name}.rate(${wl})`, unit: `${unit ?? ''}/${per}` };
          case 'slope':
            return { ...timed, read: () => w.fit(features.now).slope * f, label: `${name}.slope(${wl})`, unit: `${unit ?? ''}/${per}` };
          case 'timeToLimit': {
            const limit = num(params, 'limit');
            if (typeof limit === 'string') return limit;
            const bound = params.bound ?? 'expected';
            if (bound !== 'expected' && bound !== 'earliest' && bound !== 'latest') return 'params.bound: expected expected, earliest or latest';
            const z = bound === 'earliest' ? 2 : bound === 'latest' ? -2 : 0;
            // A trend through a handful of points is noise: no prediction until the window holds enough.
            const minN = num(params, 'minSamples', 10);
            if (typeof minN === 'string') return minN;
            return {
              ...timed,
              read: () => {
                const fit = w.fit(features.now);
                return fit.n < minN ? Number.NaN : timeToLimit(fit, limit, z);
              },
              label: `${name}.timeToLimit(${limit}, ${wl})`,
              unit: 'h',
            };
          }
        }
      }
    }
    return `params.stat: unsupported ${stat}`;
  };
}

/**
 * Hours until the fitted line reaches `limit` from the side it is on now, using slope + z·se toward
 * the limit (z = 2: the fastest plausible trend, so the earliest crossing; z = −2 the latest).
 * Infinity when that slope does not head toward the limit.
 */
export function timeToLimit(fit: { slope: number; slopeSe: number; fitted: number }, limit: number, z: number): number {
  if (Number.isNaN(fit.slope) || Number.isNaN(fit.fitted)) return Number.NaN;
  const gap = limit - fit.fitted;
  if (gap === 0) return 0;
  const slope = fit.slope + Math.sign(gap) * z * (Number.isNaN(fit.slopeSe) ? 0 : fit.slopeSe);
  if (Math.sign(slope) !== Math.sign(gap)) return Infinity;
  return gap / slope;
}
