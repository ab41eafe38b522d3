import { activeModes, type ActiveDegradation, type DegradationSpec, type Limit } from './degradation/degradation.js';
import { ambientAt, DEFAULT_AMBIENT, DEFAULT_LOAD, lagged, loadAt, runningAt, type AmbientSpec, type LoadSpec, type ScheduleSpec } from './environment.js';
import { zones, type IsoClass, type ZoneBoundaries } from './iso10816.js';
import { normalAt, streamOf } from './prng.js';

export type Value = number | boolean;
export type Reading = Record<string, Value>;
export const MACHINE_KINDS = ['pump', 'motor', 'fan', 'compressor', 'chiller', 'gearbox'] as const;
export type MachineKind = (typeof MACHINE_KINDS)[number];

/** One signal a machine offers: what a sensor or its controller would report. */
export interface SignalSpec {
  id: string;
  name: string;
  /** Unit as the gateway's config writes it: degC, mm/s, A, bar, m3/h, Pa, rpm, %, h. */
  unit?: string;
  /** Sensor range; also the OPC UA EURange. */
  range?: { min: number; max: number };
  /** Measurement noise, 1 σ in the signal's unit, while running. */
  noise: number;
  decimals: number;
  kind: 'analog' | 'boolean' | 'counter';
}

export interface MachineSpec {
  id: string;
  name: string;
  seed: number;
  /** Scenario start: counters count from here. */
  origin: number;
  schedule: ScheduleSpec;
  load: LoadSpec;
  ambient: AmbientSpec;
  iso: IsoClass;
  /** Overrides of the model's parameters (rated current, healthy vibration, …), by name. */
  params: Record<string, number>;
  degradations: DegradationSpec[];
}

/** Where the machine is working at one instant. */
export interface OperatingPoint {
  t: number;
  running: boolean;
  /** 0-1 of rated while running, 0 when stopped. */
  load: number;
  ambient: number;
  /** Heat input (running × (0.4 + 0.6 load)) through a first-order lag of `tau` ms: 0 cold, ~1 at full load. */
  heat(tau: number): number;
  /** Process changes made by degradation modes before the model computes its signals (a leak's extra demand). */
  extra: Record<string, number>;
}

export interface HotSpot {
  signal: string;
  tau: number;
  limits: Limit[];
}

export function machineSpec(p: Partial<MachineSpec> & { id: string }): MachineSpec {
  return {
    name: p.id,
    seed: 1,
    origin: 0,
    schedule: { type: 'continuous' },
    load: DEFAULT_LOAD,
    ambient: DEFAULT_AMBIENT,
    iso: { group: 2, foundation: 'rigid' },
    params: {},
    degradations: [],
    ...p,
  };
}

/**
 * A machine as a function of simulated time (ms since the epoch): `expected(t)` the noise-free
 * signals, `read(t)` what its sensors report (deterministic noise for the seed). A model gives
 * its signals and `healthy(op)`; degradation modes act on the result.
 */
export abstract class Machine {
  abstract readonly kind: MachineKind;
  readonly id: string;
  readonly iso: IsoClass;
  readonly zones: ZoneBoundaries;
  protected readonly p: Record<string, number>;
  /** The temperature that lost cooling drives up, with its time constant and limits (overheating). */
  readonly hotSpot?: HotSpot;
  private active: ActiveDegradation[] | undefined;
  private readonly streams: number[];
  private readonly loadStream: number;

  constructor(
    readonly spec: MachineSpec,
    readonly signals: readonly SignalSpec[],
    defaults: Record<string, number>,
  ) {
    this.id = spec.id;
    this.iso = spec.iso;
    this.zones = zones(spec.iso);
    for (const k of Object.keys(spec.params)) if (!(k in defaults)) throw new Error(`machine ${spec.id}: unknown parameter "${k}"; known: ${Object.keys(defaults).join(', ')}`);
    this.p = { ...defaults, ...spec.params };
    this.streams = signals.map((s) => streamOf(`${spec.id}/${s.id}`));
    this.loadStream = streamOf(`${spec.id}/load`);
  }

  /** The degradations in force; checked against the model on first use (a model's fields are set after this base constructor). */
  get modes(): readonly ActiveDegradation[] {
    return (this.active ??= activeModes(this, this.spec.degradations));
  }

  /** Parameter values in force (defaults with the scenario's overrides). */
  get params(): Readonly<Record<string, number>> {
    return this.p;
  }

  signal(id: string): SignalSpec | undefined {
    return this.signals.find((s) => s.id === id);
  }

  /** Healthy vibration while running at full load, mm/s: `vibration` param, else 80 % of the A/B boundary. */
  get healthyVibration(): number {
    return this.p.vibration! > 0 ? this.p.vibration! : 0.8 * this.zones.ab;
  }

  operating(t: number): OperatingPoint {
    const { schedule, load, ambient, seed } = this.spec;
    const on = (x: number) => runningAt(schedule, x);
    const heatIn = (x: number) => (on(x) ? 0.4 + 0.6 * loadAt(load, x, seed, this.loadStream) : 0);
    const running = on(t);
    return {
      t,
      running,
      load: running ? loadAt(load, t, seed, this.loadStream) : 0,
      ambient: ambientAt(ambient, t),
      heat: (tau) => lagged(heatIn, t, tau),
      extra: {},
    };
  }

  protected abstract healthy(op: OperatingPoint): Reading;

  /** Vibration of a running machine: healthy level rising a little with load; ~0.05 mm/s standing. */
  protected vibrationAt(op: OperatingPoint): number {
    return op.running ? this.healthyVibration * (0.85 + 0.15 * op.load) : 0.05;
  }

  /** Noise-free signals at `t`, degradations included: the ground truth. */
  expected(t: number): Reading {
    const op = this.operating(t);
    for (const m of this.modes) m.mode.adjust?.(m.severity(t), op, this);
    const v = this.healthy(op);
    for (const m of this.modes) m.mode.apply(m.severity(t), op, v, this);
    return v;
  }

  /** What the sensors report at `t`: expected values plus noise, rounded as a transmitter would. */
  read(t: number): Reading {
    const v = this.expected(t);
    const running = this.spec.schedule.type === 'continuous' || v.running !== false;
    const n = Math.round(t);
    this.signals.forEach((s, i) => {
      const x = v[s.id];
      if (typeof x !== 'number' || s.kind !== 'analog') return;
      let sigma = s.noise * (running ? 1 : 0.3);
      for (const m of this.modes) sigma *= m.mode.noise?.(m.severity(t), s.id) ?? 1;
      const y = x + sigma * normalAt(this.spec.seed, this.streams[i]!, n);
      const f = 10 ** s.decimals;
      v[s.id] = Math.round(Math.max(s.range?.min ?? -Infinity, y) * f) / f;
    });
    return v;
  }
}
