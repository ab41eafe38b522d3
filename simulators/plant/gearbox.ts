import { Machine, type HotSpot, type MachineSpec, type OperatingPoint, type Reading } from './machine.js';
import { analog, flag, MIN } from './signals.js';

/**
 * A conveyor drive: a 30 kW motor on a helical-bevel gearbox (ratio 25), splash-lubricated with
 * mineral oil. Oil temperature follows heat input with a 90-minute lag (a big sump); the output
 * shaft's bearing with 60 minutes. Belt conveyors run in shifts.
 */
export const GEARBOX_DEFAULTS = {
  motorSpeed: 1480,
  ratio: 25,
  ratedCurrent: 55,
  oilRise: 45,
  bearingRise: 35,
  vibration: 0,
};

export class Gearbox extends Machine {
  readonly kind = 'gearbox';
  /** Mineral gear oil: warn at 90 °C, 100 °C the usual maximum sump temperature. */
  override readonly hotSpot: HotSpot = {
    signal: 'oil_temp',
    tau: 90 * MIN,
    limits: [
      { signal: 'oil_temp', value: 90, label: 'oil temperature warning' },
      { signal: 'oil_temp', value: 100, label: 'oil temperature limit' },
    ],
  };

  constructor(spec: MachineSpec) {
    super(
      spec,
      [
        flag('running', 'Running'),
        analog('speed', 'Output speed', 'rpm', 0, 200, 0.2, 1),
        analog('motor_current', 'Motor current', 'A', 0, 200, 0.4, 2),
        analog('vibration', 'Vibration velocity (RMS), gearbox housing', 'mm/s', 0, 50, 0.05, 3),
        analog('oil_temp', 'Oil sump temperature', 'degC', -40, 200, 0.2, 2),
        analog('bearing_temp', 'Output shaft bearing temperature', 'degC', -40, 200, 0.3, 2),
      ],
      GEARBOX_DEFAULTS,
    );
  }

  protected healthy(op: OperatingPoint): Reading {
    const p = this.p;
    return {
      running: op.running,
      speed: op.running ? (p.motorSpeed! - 10 * op.load) / p.ratio! : 0,
      motor_current: op.running ? p.ratedCurrent! * (0.35 + 0.65 * op.load) : 0,
      vibration: this.vibrationAt(op),
      oil_temp: op.ambient + p.oilRise! * op.heat(90 * MIN),
      bearing_temp: op.ambient + p.bearingRise! * op.heat(60 * MIN),
    };
  }
}
