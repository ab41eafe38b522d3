import { rng } from './model.js';

/**
 * A cooling-tower fan (class `fan`): a V-belt drive whose belt slowly loosens, so fan speed sags
 * and vibration at the fan bearing grows; the motor winding temperature follows the load.
 * Deterministic for a given seed, like the pumps.
 */
export interface FanSpec {
  id: string;
  /** Seconds after start when the belt starts to slip; omit for a healthy fan. */
  slipAfter?: number;
  /** Speed lost per second while slipping, rpm/s (the demo compresses weeks into minutes). */
  slipRate?: number;
  /** Nominal fan speed, rpm. */
  nominalSpeed?: number;
  seed?: number;
}

export interface FanReading {
  speed: number;
  vibration: number;
  motor_temp: number;
  running: boolean;
}

export class Fan {
  readonly id: string;
  private readonly noise: () => number;

  constructor(private readonly spec: FanSpec) {
    this.id = spec.id;
    this.noise = rng(spec.seed ?? 3);
  }

  /** Reading at `t` seconds after the simulation started. */
  read(t: number): FanReading {
    const n = () => this.noise() - 0.5;
    const nominal = this.spec.nominalSpeed ?? 1480;
    const slipping = this.spec.slipAfter !== undefined && t > this.spec.slipAfter;
    const lost = slipping ? Math.min(300, (t - this.spec.slipAfter!) * (this.spec.slipRate ?? 0.5)) : 0;
    return {
      speed: round(nominal - lost + n() * 4, 1),
      // ISO 10816-3 group 2 flexible mount: 3.5 mm/s is the A/B boundary; a slipping belt flaps.
      vibration: round(1.8 + lost * 0.01 + n() * 0.15, 3),
      motor_temp: round(71 + lost * 0.02 + n() * 0.4, 2),
      running: true,
    };
  }
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** The demo plant's cooling-tower fan F-301: healthy for the demo's minute. */
export function demoFan(): Fan {
  return new Fan({ id: 'f-301', slipAfter: 600, slipRate: 0.5, seed: 301 });
}
