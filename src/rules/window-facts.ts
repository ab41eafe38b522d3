import { parseDuration } from '../config/duration.js';
import { DAY_MS, type DailyAgg } from '../tags/daily.js';
import type { Features } from '../tags/features.js';
import type { Need, Window } from '../tags/window.js';
import type { FactBinding } from './facts.js';

/** Rates and times in `per` units: how many hours one unit is. */
export const PER: Record<string, number> = { s: 1 / 3600, min: 1 / 60, h: 1, d: 24 };

export const WINDOW_STATS = ['avg', 'min', 'max', 'stddev', 'count', 'rate', 'slope', 'timeToLimit'] as const;
export type WindowStat = (typeof WINDOW_STATS)[number];

/**
 * Time coverage a statistic needs by default before it is known: trends (slope, time to limit)
 * through a partly filled window extrapolate whatever part of the day it holds (a morning rise).
 * The others read what the window has, as always.
 */
export const DEFAULT_MIN_COVERAGE: Record<WindowStat, number> = { avg: 0, min: 0, max: 0, stddev: 0, count: 0, rate: 0, slope: 0.9, timeToLimit: 0.9 };
/**
 * Share of Bad samples above which a window statistic is unknown by default: more than half of
 * the samples that arrived in the window were Bad (OPC UA Part 13's PercentDataBad, as a share).
 */
export const DEFAULT_MAX_BAD_SHARE = 0.5;
const DAILY: readonly DailyAgg[] = ['mean', 'max', 'min'];

export function num(params: Record<string, unknown>, key: string, dflt?: number): number | string {
  const v = params[key] ?? dflt;
  return typeof v === 'number' && Number.isFinite(v) ? v : `params.${key}: expected a number${dflt === undefined ? ' (required)' : ''}`;
}

interface Ctx {
  features: Features;
  tag: number;
  /** How evidence names the tag (`bearing_temp`, or `p-2/bearing_temp` for another asset's). */
  name: string;
  unit: string | undefined;
  /** The tag is the rule's own asset's (its average cell may be read inline). */
  own: boolean;
}

/**
 * A window statistic of a tag: `params.window` (a duration), `per` for rates and times,
 * `minCoverage` (0–1: unknown, so that no comparison holds, until that share of the window's time
 * holds data), `maxBadShare` (0–1: unknown while more than that share of the samples that arrived
 * in the window were Bad; default {@link DEFAULT_MAX_BAD_SHARE}), and for trends `daily: mean |
 * max | min` (the line through daily values over the window's complete days). Returns the
 * binding, or what is wrong with the params.
 */
export function windowFact(stat: WindowStat, params: Record<string, unknown>, c: Ctx): FactBinding | string {
  const { features, tag, name, unit } = c;
  const w = params.window;
  const wms = typeof w === 'string' || typeof w === 'number' ? parseDuration(w) : undefined;
  if (!(wms && wms > 0)) return `params.window: expected a duration such as 10m or 24h (required for stat ${stat})`;
  const wl = String(w);
  const per = String(params.per ?? 'h');
  const f = PER[per];
  if (f === undefined) return `params.per: expected s, min, h or d for stat ${stat}`;
  const minCov = num(params, 'minCoverage', DEFAULT_MIN_COVERAGE[stat]);
  if (typeof minCov === 'string' || !(minCov >= 0 && minCov <= 1)) return 'params.minCoverage: expected a share of the window between 0 and 1, such as 0.9';
  if (params.daily !== undefined) {
    if (params.maxBadShare !== undefined) return 'params.maxBadShare: applies to window statistics without daily (daily values hold Good samples only)';
    return dailyFact(stat, params, c, { wms, wl, per, f, minCov });
  }
  const maxBad = num(params, 'maxBadShare', DEFAULT_MAX_BAD_SHARE);
  if (typeof maxBad === 'string' || !(maxBad >= 0 && maxBad <= 1)) return 'params.maxBadShare: expected a share of the samples between 0 and 1, such as 0.5';
  const need: Need[] = [...({ stddev: ['moments'], min: ['extremes'], max: ['extremes'], rate: ['endpoints'], slope: ['regression'], timeToLimit: ['regression'] } as Partial<Record<WindowStat, Need[]>>)[stat] ?? []];
  if (minCov > 0) need.push('coverage');
  const win = features.window(tag, wms, need);
  const base = { tags: [tag], unit, timed: true, badData: new BadDataGate(win, maxBad, features) };
  if (stat === 'timeToLimit') {
    const t = limitParams(params, 10);
    if (typeof t === 'string') return t;
    const hours: Value = (w, now) => {
      const fit = w.fit(now);
      return fit.n < t.minN ? Number.NaN : timeToLimit(fit, t.limit, t.z) / f;
    };
    return { ...base, read: gated(win, hours, f, maxBad, minCov, features), label: `${name}.timeToLimit(${t.limit}, ${wl})`, unit: per };
  }
  const read = gated(win, VALUE[stat], f, maxBad, minCov, features);
  switch (stat) {
    case 'avg':
      // The inline average cell knows nothing of coverage: offered only without that guard. It
      // knows nothing of Bad samples either, but the engine reads it only to skip a quiet alarm
      // whose threshold does not hold; where it holds, the engine reads the gated average.
      return { ...base, read, label: `${name}.avg(${wl})`, ...(c.own && minCov === 0 ? { cell: win.avgCell } : {}) };
    case 'count':
      return { ...base, read, label: `${name}.count(${wl})`, unit: 'samples' };
    case 'rate':
    case 'slope':
      return { ...base, read, label: `${name}.${stat}(${wl})`, unit: `${unit ?? ''}/${per}` };
    default:
      return { ...base, read, label: `${name}.${stat}(${wl})` };
  }
}

/** A window statistic at `now` (`f`: hours per `per` unit, for rates). Shared by every fact: no closure per rule. */
type Value = (w: Window, now: number, f: number) => number;
const VALUE: Record<Exclude<WindowStat, 'timeToLimit'>, Value> = {
  avg: (w, now) => w.avg(now),
  min: (w, now) => w.min_(now),
  max: (w, now) => w.max_(now),
  stddev: (w, now) => w.stddev(now),
  count: (w, now) => w.count(now),
  rate: (w, now, f) => w.rate(now) * f,
  slope: (w, now, f) => w.fit(now).slope * f,
};

/**
 * A statistic behind the data-quality gate (a window that never took a Bad sample passes on one
 * field read) and the coverage guard: NaN, so that no comparison holds, until both are met.
 */
function gated(win: Window, value: Value, f: number, maxBad: number, minCov: number, features: Features): () => number {
  if (minCov > 0) return () => (win.goodEnough(features.now, maxBad) && win.coverage(features.now) >= minCov ? value(win, features.now, f) : Number.NaN);
  return () => (win.goodEnough(features.now, maxBad) ? value(win, features.now, f) : Number.NaN);
}

/**
 * Whether a window fact is unknown because too much of its window's data was Bad (see
 * {@link FactBinding.badData}): an object, not a closure, as every rule on a window holds two.
 */
class BadDataGate {
  constructor(
    private readonly win: Window,
    private readonly maxBad: number,
    private readonly features: Features,
  ) {}

  unknown(): boolean {
    return !this.win.goodEnough(this.features.now, this.maxBad);
  }
}

/** `limit`, `bound` and `minSamples` of a time-to-limit fact. */
function limitParams(params: Record<string, unknown>, minSamples: number): { limit: number; z: number; minN: number } | string {
  const limit = num(params, 'limit');
  if (typeof limit === 'string') return limit;
  const bound = params.bound ?? 'expected';
  if (bound !== 'expected' && bound !== 'earliest' && bound !== 'latest') return 'params.bound: expected expected, earliest or latest';
  // A trend through a handful of points is noise: no prediction until the fit holds enough.
  const minN = num(params, 'minSamples', minSamples);
  if (typeof minN === 'string') return minN;
  return { limit, z: bound === 'earliest' ? 2 : bound === 'latest' ? -2 : 0, minN };
}

function dailyFact(stat: WindowStat, params: Record<string, unknown>, c: Ctx, o: { wms: number; wl: string; per: string; f: number; minCov: number }): FactBinding | string {
  const agg = params.daily as DailyAgg;
  if (!DAILY.includes(agg)) return `params.daily: expected ${DAILY.join(', ')}`;
  if (stat !== 'slope' && stat !== 'timeToLimit') return 'params.daily: applies to stat slope and timeToLimit (the trend of daily values)';
  const days = o.wms / DAY_MS;
  if (!(Number.isInteger(days) && days >= 2)) return 'params.window: expected whole days with params.daily, at least 2d (such as 7d or 14d)';
  const { features, tag, name, unit } = c;
  const win = features.daily(tag, days);
  const { minCov, f, per } = o;
  const label = `${o.wl} daily ${agg}`;
  const base = { tags: [tag], unit, timed: true };
  if (stat === 'slope') {
    return {
      ...base,
      read: () => {
        const fit = win.fit(features.now, agg, minCov);
        return fit.coverage >= minCov ? fit.slope * f : Number.NaN;
      },
      label: `${name}.slope(${label})`,
      unit: `${unit ?? ''}/${per}`,
    };
  }
  const t = limitParams(params, 3);
  if (typeof t === 'string') return t;
  return {
    ...base,
    read: () => {
      const fit = win.fit(features.now, agg, minCov);
      return fit.coverage >= minCov && fit.n >= t.minN ? timeToLimit(fit, t.limit, t.z) / f : Number.NaN;
    },
    label: `${name}.timeToLimit(${t.limit}, ${label})`,
    unit: per,
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
