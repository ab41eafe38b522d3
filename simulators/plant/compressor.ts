import { rng } from './model.js';

/**
 * An oil-injected rotary screw air compressor with load/unload control, as a function of time:
 * it loads at the cut-in pressure and unloads at the cut-out pressure, so pressure, current and
 * temperature follow a saw-tooth. Deterministic for a given seed.
 */
export interface CompressorSpec {
  id: string;
  /** Cut-in / cut-out pressures, bar(g). */
  cutIn?: number;
  cutOut?: number;
  /** Run hours on the counter at t = 0. */
  runHours?: number;
  seed?: number;
}

export interface CompressorReading {
  discharge_pressure: number;
  discharge_temp: number;
  motor_current: number;
  vibration: number;
  run_hours: number;
  running: boolean;
  loaded: boolean;
}

/** Pressure rise while loaded and fall while unloaded, bar/s (demand from the plant's air net). */
const RISE = 0.05;
const FALL = 0.03;

export class Compressor {
  readonly id: string;
  private readonly noise: () => number;

  constructor(private readonly spec: CompressorSpec) {
    this.id = spec.id;
    this.noise = rng(spec.seed ?? 201);
  }

  read(t: number): CompressorReading {
    const lo = this.spec.cutIn ?? 6.5;
    const hi = this.spec.cutOut ?? 7.5;
    const up = (hi - lo) / RISE;
    const down = (hi - lo) / FALL;
    const phase = t % (up + down);
    const loaded = phase < up;
    const pressure = loaded ? lo + phase * RISE : hi - (phase - up) * FALL;
    const n = () => this.noise() - 0.5;
    return {
      discharge_pressure: round(pressure + n() * 0.02, 3),
      discharge_temp: round((loaded ? 79 : 73) + n() * 0.4, 2),
      motor_current: round((loaded ? 68 : 27) + n() * 0.6, 2),
      // ISO 10816-3 group 2: a healthy screw compressor sits well inside zone A.
      vibration: round(1.6 + (loaded ? 0.3 : 0) + n() * 0.1, 2),
      run_hours: round((this.spec.runHours ?? 12_345) + t / 3600, 1),
      running: true,
      loaded,
    };
  }
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** The demo plant's compressor. */
export function demoCompressor(): Compressor {
  return new Compressor({ id: 'c-201', seed: 201 });
}
