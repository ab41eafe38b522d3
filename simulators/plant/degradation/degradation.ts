import type { Machine, OperatingPoint, Reading } from '../machine.js';
import { MODES, type DegradationModeId } from './modes.js';

/**
 * A degradation: a failure mode that starts at a known time and grows by a known law, so its
 * ground truth (when each limit is crossed) can be computed. Severity s(t) is 0 before `start`
 * and 1 at `start + duration`, the functional failure (F on the P-F curve); it keeps growing
 * past 1 by the same law.
 */
export const GROWTH_LAWS = ['linear', 'exponential', 'step'] as const;
export type GrowthLaw = (typeof GROWTH_LAWS)[number];

export interface DegradationSpec {
  mode: DegradationModeId;
  /** Onset, ms since the epoch. */
  start: number;
  /** From onset to severity 1 (functional failure), ms. */
  duration: number;
  growth: GrowthLaw;
  /** Scales every effect of the mode (1 = the mode's documented effect at severity 1). */
  magnitude: number;
}

/** A limit whose crossing is part of the ground truth, e.g. the ISO zone C/D boundary. */
export interface Limit {
  signal: string;
  value: number;
  label: string;
}

/** What a mode does to a machine, as a function of severity s. */
export interface DegradationMode {
  id: DegradationModeId;
  description: string;
  /** Signals the machine must have for the mode to apply. */
  needs: string[];
  /** Process changes before the model computes its signals (a leak's extra air demand). */
  adjust?(s: number, op: OperatingPoint, m: Machine): void;
  /** Changes to the noise-free signals. */
  apply(s: number, op: OperatingPoint, v: Reading, m: Machine): void;
  /** Multiplier on a signal's noise (cavitation is noisy). */
  noise?(s: number, signal: string): number;
  /** The limits whose crossings make the ground truth on this machine. */
  limits(m: Machine): Limit[];
}

export interface ActiveDegradation {
  spec: DegradationSpec;
  mode: DegradationMode;
  severity(t: number): number;
}

/** Exponential growth's time constant as a share of the duration: a P-F curve that bends late. */
const EXP_TAU = 0.25;

export function severityAt(d: Pick<DegradationSpec, 'start' | 'duration' | 'growth' | 'magnitude'>, t: number): number {
  if (t <= d.start) return 0;
  const x = (t - d.start) / d.duration;
  switch (d.growth) {
    case 'step':
      return d.magnitude;
    case 'linear':
      return d.magnitude * x;
    case 'exponential':
      return (d.magnitude * (Math.exp(x / EXP_TAU) - 1)) / (Math.exp(1 / EXP_TAU) - 1);
  }
}

export function activeModes(m: Machine, specs: readonly DegradationSpec[]): ActiveDegradation[] {
  return specs.map((spec) => {
    const mode = MODES[spec.mode];
    const missing = mode.needs.filter((s) => !m.signal(s));
    if (missing.length) throw new Error(`${m.id}: degradation ${spec.mode} needs signal${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which a ${m.kind} model does not have`);
    if (mode.limits(m).length === 0) throw new Error(`${m.id}: degradation ${spec.mode} does not apply to a ${m.kind} model (nothing it drives has a limit there)`);
    return { spec, mode, severity: (t: number) => severityAt(spec, t) };
  });
}
