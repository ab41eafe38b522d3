import type { Machine, OperatingPoint, Reading } from '../machine.js';
import type { DegradationMode, Limit } from './degradation.js';

/**
 * The failure modes the plant can suffer, each with its documented effect at severity 1 (the
 * functional failure). Effects scale with severity and, for what only shows in operation
 * (vibration, friction heat), with running and load. See docs/simulators.md for the physics.
 */
export const MODE_IDS = ['bearing-wear', 'cavitation', 'clogging-filter', 'misalignment', 'overheating', 'leak'] as const;
export type DegradationModeId = (typeof MODE_IDS)[number];

const MIN = 60_000;
/**
 * Past this severity the machine would have tripped on its protection or seized: effects stop
 * growing, so a long run past failure stays within physical sensor ranges.
 */
const SATURATION = 1.5;
const sat = (s: number) => Math.min(s, SATURATION);

function add(v: Reading, signal: string, dx: number): void {
  const x = v[signal];
  if (typeof x === 'number') v[signal] = x + dx;
}
function scale(v: Reading, signal: string, f: number): void {
  const x = v[signal];
  if (typeof x === 'number') v[signal] = x * f;
}

/** Vibration limits: the ISO 10816-3 zone boundaries of the machine's group and foundation. */
function isoLimits(m: Machine, from: 'ab' | 'bc' = 'ab'): Limit[] {
  const z = m.zones;
  const all: Limit[] = [
    { signal: 'vibration', value: z.ab, label: 'ISO 10816-3 zone A/B' },
    { signal: 'vibration', value: z.bc, label: 'ISO 10816-3 zone B/C' },
    { signal: 'vibration', value: z.cd, label: 'ISO 10816-3 zone C/D' },
  ];
  return from === 'ab' ? all : all.slice(1);
}

/** Extra vibration bringing a running machine from its healthy level to `target` at s = 1. */
function vibrationRise(m: Machine, op: OperatingPoint, v: Reading, s: number, target: number): void {
  if (op.running) add(v, 'vibration', Math.max(0, target - m.healthyVibration) * s * (0.85 + 0.15 * op.load));
}

const bearingWear: DegradationMode = {
  id: 'bearing-wear',
  description: 'rolling-element bearing wear: vibration rises along an exponential P-F curve to 25 % into zone D at failure; friction heat follows late (+40 °C at failure, growing as s^1.5)',
  needs: ['vibration', 'bearing_temp'],
  apply(s, op, v, m) {
    vibrationRise(m, op, v, sat(s), 1.25 * m.zones.cd);
    add(v, 'bearing_temp', 40 * sat(s) ** 1.5 * op.heat(45 * MIN));
  },
  noise: (s, signal) => (signal === 'vibration' ? 1 + 1.5 * sat(s) : 1),
  limits: (m) => [...isoLimits(m), { signal: 'bearing_temp', value: 85, label: 'bearing temperature alarm' }, { signal: 'bearing_temp', value: 95, label: 'bearing temperature trip' }],
};

const cavitation: DegradationMode = {
  id: 'cavitation',
  description: 'pump cavitation as the suction pressure falls (a blocking strainer, a falling tank level): broadband vibration to 30 % into zone C, erratic flow and head, -15 % flow, -12 % head, -5 % current at s = 1',
  needs: ['vibration', 'flow', 'suction_pressure', 'discharge_pressure'],
  apply(s, op, v, m) {
    if (!op.running) return;
    vibrationRise(m, op, v, s, 1.3 * m.zones.bc);
    const head = Number(v.discharge_pressure) - Number(v.suction_pressure);
    add(v, 'discharge_pressure', -0.12 * s * head - 0.8 * s);
    add(v, 'suction_pressure', -0.8 * s);
    scale(v, 'flow', 1 - 0.15 * s);
    scale(v, 'motor_current', 1 - 0.05 * s);
  },
  noise: (s, signal) => ({ vibration: 1 + 3 * s, flow: 1 + 4 * s, discharge_pressure: 1 + 5 * s })[signal] ?? 1,
  limits: (m) => isoLimits(m, 'bc'),
};

const cloggingFilter: DegradationMode = {
  id: 'clogging-filter',
  description: 'a filter loading with dust: differential pressure 3.5x its clean value at s = 1, airflow -12 %, fan current -6 %',
  needs: ['filter_dp'],
  apply(s, _op, v) {
    scale(v, 'filter_dp', 1 + 2.5 * s);
    scale(v, 'airflow', 1 - 0.12 * s);
    scale(v, 'motor_current', 1 - 0.06 * s);
  },
  limits: (m) => [{ signal: 'filter_dp', value: m.params.filterLimit!, label: 'filter change (final pressure drop)' }],
};

const misalignment: DegradationMode = {
  id: 'misalignment',
  description: 'shaft misalignment after a coupling or foundation shift: vibration to the zone C/D boundary at s = 1, bearing +12 °C, current +3 %',
  needs: ['vibration'],
  apply(s, op, v, m) {
    vibrationRise(m, op, v, sat(s), m.zones.cd);
    add(v, 'bearing_temp', 12 * sat(s) * op.heat(45 * MIN));
    if (op.running) scale(v, 'motor_current', 1 + 0.03 * sat(s));
  },
  limits: (m) => isoLimits(m),
};

const overheating: DegradationMode = {
  id: 'overheating',
  description: "lost cooling (a clogged cooling fan or cooler, fouled fins): the machine's hot spot (winding, oil or discharge temperature) +50 °C at full heat at s = 1",
  needs: [],
  apply(s, op, v, m) {
    const hot = m.hotSpot;
    if (hot) add(v, hot.signal, 50 * sat(s) * op.heat(hot.tau));
  },
  limits: (m) => m.hotSpot?.limits ?? [],
};

const leak: DegradationMode = {
  id: 'leak',
  description: 'compressed-air leaks growing in the network: extra demand of 45 % of capacity at s = 1, so the compressor loads more, also when the plant is idle, and cannot hold pressure past full duty',
  needs: ['load_pct', 'discharge_pressure'],
  adjust(s, op) {
    op.extra.leak = 0.45 * s;
  },
  apply() {},
  limits: () => [
    { signal: 'load_pct', value: 75, label: 'compressor duty 75 %' },
    { signal: 'load_pct', value: 99, label: 'compressor at full duty' },
  ],
};

export const MODES: Record<DegradationModeId, DegradationMode> = {
  'bearing-wear': bearingWear,
  cavitation,
  'clogging-filter': cloggingFilter,
  misalignment,
  overheating,
  leak,
};
