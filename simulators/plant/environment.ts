import { smoothAt, streamOf } from './prng.js';

/**
 * What a machine's signals respond to besides its own health: the outdoor/room temperature over
 * the day, when it runs (continuous, shifts, or on/off cycles under level or pressure control),
 * and how hard it works (day and night load, slow random swings). All pure functions of time.
 * Hours are UTC hours of the simulated time.
 */
const H = 3_600_000;
const DAY = 24 * H;

export interface AmbientSpec {
  /** Daily mean, °C. */
  mean: number;
  /** Peak-to-peak daily swing, °C (warmest at `peakHour`). */
  swing: number;
  /** Hour of the warmest point, 0-24. */
  peakHour: number;
}

export const DEFAULT_AMBIENT: AmbientSpec = { mean: 20, swing: 8, peakHour: 15 };

export function ambientAt(a: AmbientSpec, t: number): number {
  const hour = (((t % DAY) + DAY) % DAY) / H;
  return a.mean + (a.swing / 2) * Math.cos((2 * Math.PI * (hour - a.peakHour)) / 24);
}

export type ScheduleSpec =
  | { type: 'continuous' }
  /** Runs inside any of the day windows (minutes from midnight, `to` may pass midnight) on the given weekdays (0 = Sunday). */
  | { type: 'shifts'; windows: { from: number; to: number }[]; days: number[] }
  /** On for `on` ms, off for `off` ms, repeating from the epoch plus `offset` (a sump pump, a compressor without a VSD). */
  | { type: 'cycle'; on: number; off: number; offset: number };

export function runningAt(s: ScheduleSpec, t: number): boolean {
  switch (s.type) {
    case 'continuous':
      return true;
    case 'cycle': {
      const p = s.on + s.off;
      return (((t - s.offset) % p) + p) % p < s.on;
    }
    case 'shifts': {
      const dayStart = Math.floor(t / DAY) * DAY;
      const minute = (t - dayStart) / 60_000;
      const weekday = (new Date(dayStart).getUTCDay() + 7) % 7;
      const prevWeekday = (weekday + 6) % 7;
      for (const w of s.windows) {
        if (w.from <= w.to) {
          if (s.days.includes(weekday) && minute >= w.from && minute < w.to) return true;
        } else {
          // Past midnight: the evening part belongs to today, the early part to yesterday's shift.
          if (s.days.includes(weekday) && minute >= w.from) return true;
          if (s.days.includes(prevWeekday) && minute < w.to) return true;
        }
      }
      return false;
    }
  }
}

export interface LoadSpec {
  /** Load while running in the day (06:00-22:00) and at night, 0-1 of rated. */
  day: number;
  night: number;
  /** Slow random swing around that, ± fraction of rated (features about two hours long). */
  variation: number;
}

export const DEFAULT_LOAD: LoadSpec = { day: 0.85, night: 0.65, variation: 0.05 };

/** Day/night load with one-hour ramps at 06:00 and 22:00, plus a slow random swing. */
export function loadAt(l: LoadSpec, t: number, seed: number, stream: number): number {
  const hour = (((t % DAY) + DAY) % DAY) / H;
  const ramp = (x: number) => Math.min(1, Math.max(0, x));
  const dayShare = ramp(hour - 5.5) * ramp(22.5 - hour);
  const base = l.night + (l.day - l.night) * dayShare;
  return Math.min(1.1, Math.max(0, base + l.variation * smoothAt(seed, stream, t, 2 * H)));
}

export { streamOf };

/**
 * A first-order lag (time constant `tau`): what a temperature does with a step in heat input.
 * Approximated by an exponentially weighted sum of the input over the past 4·tau, so it stays a
 * pure function of time (17 evaluations of `f`).
 */
export function lagged(f: (t: number) => number, t: number, tau: number): number {
  const steps = 16;
  const dt = (4 * tau) / steps;
  const k = Math.exp(-dt / tau);
  let w = 1;
  let sum = 0;
  let norm = 0;
  for (let i = 0; i <= steps; i++) {
    sum += w * f(t - i * dt);
    norm += w;
    w *= k;
  }
  return sum / norm;
}
