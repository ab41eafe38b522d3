import type { GrowthLaw } from './degradation/degradation.js';
import type { Machine } from './machine.js';

/** When the noise-free signal first exceeds a limit; `at` undefined when not within the run. */
export interface Crossing {
  /** `<asset>.<signal>><limit>`, the name scenario expectations use: `p-101.bearing_temp>85`. */
  id: string;
  signal: string;
  limit: number;
  label: string;
  at: number | undefined;
}

export interface DegradationTruth {
  asset: string;
  mode: string;
  description: string;
  start: number;
  growth: GrowthLaw;
  /** Severity 1: the functional failure. */
  failureAt: number;
  crossings: Crossing[];
}

/**
 * The ground truth of a machine's degradations over [from, until): for every limit each mode
 * names (ISO zone boundaries, temperature alarms and trips, filter change), the first time the
 * noise-free signal, daily cycle and run/stop included, exceeds it. Scanned at `stepMs`.
 */
export function groundTruth(m: Machine, from: number, until: number, stepMs = 60_000): DegradationTruth[] {
  const truths = m.modes.map((d) => ({
    asset: m.id,
    mode: d.spec.mode,
    description: d.mode.description,
    start: d.spec.start,
    growth: d.spec.growth,
    failureAt: d.spec.start + d.spec.duration,
    crossings: d.mode.limits(m).map((l): Crossing => ({ id: crossingId(m.id, l.signal, l.value), signal: l.signal, limit: l.value, label: l.label, at: undefined })),
  }));
  let open = truths.reduce((n, t) => n + t.crossings.length, 0);
  for (let t = from; t < until && open > 0; t += stepMs) {
    const v = m.expected(t);
    for (const tr of truths) {
      for (const c of tr.crossings) {
        if (c.at !== undefined) continue;
        const x = v[c.signal];
        if (typeof x === 'number' && x > c.limit) {
          c.at = t;
          open--;
        }
      }
    }
  }
  return truths;
}

export function crossingId(asset: string, signal: string, limit: number): string {
  return `${asset}.${signal}>${limit}`;
}
