/**
 * The demo plant's machines as functions of time: healthy baselines, slow degradation, and the
 * sensor faults the rules must cope with. Deterministic for a given seed, so tests and the
 * Modbus/OPC UA/MQTT servers all serve the same plant.
 */
export interface PumpSpec {
  id: string;
  /** Seconds after start when the bearing starts to degrade; omit for a healthy pump. */
  degradeAfter?: number;
  /** Bearing temperature rise while degrading, °C per second (the demo compresses days into a minute). */
  degradeRate?: number;
  /** Bearing temperature at rest, °C. */
  baseTemp?: number;
  seed?: number;
}

export interface PumpReading {
  bearing_temp: number;
  vibration: number;
  motor_current: number;
  flow: number;
  running: boolean;
}

/** Small deterministic noise (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Pump {
  private readonly noise: () => number;
  readonly id: string;

  constructor(private readonly spec: PumpSpec) {
    this.id = spec.id;
    this.noise = rng(spec.seed ?? 1);
  }

  /** Reading at `t` seconds after the simulation started. */
  read(t: number): PumpReading {
    const n = () => this.noise() - 0.5;
    const base = this.spec.baseTemp ?? 62;
    const degrading = this.spec.degradeAfter !== undefined && t > this.spec.degradeAfter;
    const dt = degrading ? t - this.spec.degradeAfter! : 0;
    const rise = Math.min(45, dt * (this.spec.degradeRate ?? 0.6));
    return {
      bearing_temp: round(base + rise + n() * 0.6, 2),
      // ISO 10816-3 group 2 rigid: 2.3 mm/s is zone A/B; a failing bearing drifts up with temperature.
      vibration: round(2.1 + rise * 0.08 + n() * 0.2, 3),
      motor_current: round(42 + rise * 0.05 + n() * 0.8, 2),
      flow: round(118 + n() * 3, 1),
      running: true,
    };
  }
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** The demo plant: P-101 degrades within a minute; P-102 stays healthy. */
export function demoPlant(): Pump[] {
  return [new Pump({ id: 'p-101', degradeAfter: 10, degradeRate: 0.8, seed: 101 }), new Pump({ id: 'p-102', seed: 102 })];
}
