/**
 * A seeded generator of realistic condition-monitoring data for the detection-quality suite:
 * small scenario descriptions in, sample timelines out (no recorded files). Each sensor's signal
 * is a level with a day-shift load cycle (lower on weekends), day-to-day variation, sample noise
 * and the sensor's resolution, optionally bearing wear (exponential growth), a creep between two
 * levels or a dither around one; the sensor reports on its own period with jitter and lost
 * reports, and may drop out, fall silent or freeze.
 */
import { parseDuration } from '../../../src/config/duration.js';
import type { RecordedSample } from '../../../src/rules/samples-file.js';
import { rng } from '../../../simulators/plant/model.js';

const H = 3_600_000;
const D = 24 * H;
/** Scenarios start on a Monday at 00:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5);

export interface Signal {
  /** Level at average load. */
  base: number;
  /** Daily load swing: the level runs this much above `base` on shift and below it at night. */
  daily?: number;
  /** The swing's share on Saturdays and Sundays (lighter load). Default 1. */
  weekend?: number;
  /** Hours the plant's clock is ahead of UTC: where the shift falls in the UTC day. Default 0. */
  utcOffset?: number;
  /** Day-to-day variation of the level (standard deviation, a new value each day). */
  dayNoise?: number;
  /** Sample noise (standard deviation). */
  noise?: number;
  /** Resolution the sensor reports at (0.1 °C, 0.01 mm/s). */
  resolution?: number;
  /** Bearing wear from day `from`: the level rises by `rate` a day at first, the rate doubling every `doubling` days. */
  wear?: { from: number; rate: number; doubling: number };
  /** Creep: from day `from` to day `to` the level moves linearly by `by`, and stays there. */
  creep?: { from: number; to: number; by: number };
  /** Dither from day `from` for `hours`: the level swings ±`amplitude` around `around` with a period of `periodMin` minutes. */
  dither?: { from: number; hours: number; around: number; amplitude: number; periodMin: number };
}

export type Fault =
  | { kind: 'dropout'; from: number; hours: number }
  | { kind: 'silent'; from: number }
  | { kind: 'stuck'; from: number }
  | { kind: 'never' };

export interface Sensor {
  asset: string;
  tag: string;
  /** Reporting period: `1s` … `1h`. */
  every: string;
  /** Share of reports lost on the way (radio). Default 0. */
  loss?: number;
  signal: Signal;
  faults?: Fault[];
}

export interface Scenario {
  days: number;
  seed: number;
  sensors: Sensor[];
}

/** Standard normal deviates from a seeded uniform source (Box–Muller). */
function gauss(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Day-shift load, −1 at night to +1 on shift (06:00–22:00 local, ramps of about 2 h, a thermal lag of 1 h). */
function shift(localHour: number): number {
  const h = localHour - 1;
  return Math.tanh((h - 6) / 1.2) - Math.tanh((h - 22) / 1.2) - 1;
}

/** The noise-free level of a signal at `t` ms after the start (day offsets drawn by the caller). */
export function level(s: Signal, t: number, dayOffset: number): number {
  const days = t / D;
  const local = t + (s.utcOffset ?? 0) * H;
  const weekday = Math.floor(local / D) % 7; // 0 = Monday
  const swing = (s.daily ?? 0) * (weekday >= 5 ? s.weekend ?? 1 : 1);
  let v = s.base + swing * shift((local % D) / H) + dayOffset;
  if (s.wear && days > s.wear.from) {
    const k = Math.LN2 / s.wear.doubling;
    v += (s.wear.rate * (Math.exp(k * (days - s.wear.from)) - 1)) / k;
  }
  if (s.creep && days > s.creep.from) v += s.creep.by * Math.min(1, (days - s.creep.from) / (s.creep.to - s.creep.from));
  if (s.dither && days > s.dither.from && days < s.dither.from + s.dither.hours / 24) {
    v = s.dither.around + s.dither.amplitude * Math.sin((2 * Math.PI * (t - s.dither.from * D)) / (s.dither.periodMin * 60_000));
  }
  return v;
}

function sensorSamples(sc: Scenario, s: Sensor, index: number): RecordedSample[] {
  const period = parseDuration(s.every)!;
  const u = rng(sc.seed * 1000 + index);
  const n = gauss(u);
  const faults = s.faults ?? [];
  if (faults.some((f) => f.kind === 'never')) return [];
  const silentAt = Math.min(...faults.map((f) => (f.kind === 'silent' ? f.from * D : Infinity)));
  const stuckAt = Math.min(...faults.map((f) => (f.kind === 'stuck' ? f.from * D : Infinity)));
  const dropped = (t: number) => faults.some((f) => f.kind === 'dropout' && t >= f.from * D && t < f.from * D + f.hours * H);
  const dayOffsets = Array.from({ length: sc.days + 2 }, () => n() * (s.signal.dayNoise ?? 0));
  const res = s.signal.resolution ?? 0.01;
  const out: RecordedSample[] = [];
  let stuck = Number.NaN;
  // The first report comes somewhere within the first period; each next one a period later, ±2 %.
  for (let t = u() * period; t < Math.min(sc.days * D, silentAt); t += period * (0.98 + 0.04 * u())) {
    if ((s.loss ?? 0) > 0 && u() < s.loss!) continue;
    if (dropped(t)) continue;
    const day = Math.floor(t / D);
    // Day-to-day variation blends from one day's offset to the next, as a plant's load does.
    const f = t / D - day;
    const off = dayOffsets[day]! * (1 - f) + dayOffsets[day + 1]! * f;
    let v = Math.round((level(s.signal, t, off) + n() * (s.signal.noise ?? 0)) / res) * res;
    if (t >= stuckAt) v = Number.isNaN(stuck) ? (stuck = v) : stuck;
    out.push({ ts: T0 + Math.round(t), asset: s.asset, tag: s.tag, value: Number(v.toFixed(6)) });
  }
  return out;
}

/** The samples of a scenario, all sensors merged in time order. */
export function generate(sc: Scenario): RecordedSample[] {
  const all = sc.sensors.flatMap((s, i) => sensorSamples(sc, s, i));
  return all.sort((a, b) => a.ts - b.ts);
}
