import { Machine, type MachineSpec, type OperatingPoint, type Reading } from './machine.js';
import { analog, flag, MIN } from './signals.js';

/**
 * A centrifugal process pump on a rigid baseframe (ISO 10816-3 group 2, 15-300 kW), e.g. a
 * 45 kW end-suction pump at 1480 rpm. Flow follows load; head from a parabolic pump curve;
 * bearing temperature follows heat input and ambient with a 45-minute lag.
 */
export const PUMP_DEFAULTS = {
  /** Flow at full load, m³/h. */
  ratedFlow: 150,
  /** Head at zero flow, bar. */
  shutoffHead: 5,
  /** Suction pressure (flooded suction), bar(g). */
  suction: 1.2,
  ratedCurrent: 80,
  noLoadCurrent: 28,
  speed: 1480,
  /** Bearing temperature above ambient at full heat, °C. */
  bearingRise: 40,
  /** Healthy vibration at full load, mm/s; 0 = 80 % of the zone A/B boundary. */
  vibration: 0,
};

export class Pump extends Machine {
  readonly kind = 'pump';

  constructor(spec: MachineSpec) {
    super(
      spec,
      [
        flag('running', 'Running'),
        analog('speed', 'Speed', 'rpm', 0, 3600, 2, 0),
        analog('flow', 'Flow', 'm3/h', 0, 500, 1.5, 1),
        analog('suction_pressure', 'Suction pressure', 'bar', -1, 10, 0.02, 3),
        analog('discharge_pressure', 'Discharge pressure', 'bar', 0, 16, 0.03, 3),
        analog('motor_current', 'Motor current', 'A', 0, 400, 0.6, 2),
        analog('vibration', 'Vibration velocity (RMS), DE bearing', 'mm/s', 0, 50, 0.06, 3),
        analog('bearing_temp', 'Bearing temperature, DE', 'degC', -40, 200, 0.3, 2),
      ],
      PUMP_DEFAULTS,
    );
  }

  protected healthy(op: OperatingPoint): Reading {
    const p = this.p;
    const q = op.running ? op.load : 0;
    const suction = p.suction! - (op.running ? 0.1 * q * q : 0);
    return {
      running: op.running,
      speed: op.running ? p.speed! + 5 * (1 - q) : 0,
      flow: p.ratedFlow! * q,
      suction_pressure: suction,
      discharge_pressure: op.running ? suction + p.shutoffHead! * (1 - 0.35 * q * q) : suction,
      motor_current: op.running ? p.noLoadCurrent! + (p.ratedCurrent! - p.noLoadCurrent!) * (0.35 + 0.65 * q) : 0,
      vibration: this.vibrationAt(op),
      bearing_temp: op.ambient + p.bearingRise! * op.heat(45 * MIN),
    };
  }
}
