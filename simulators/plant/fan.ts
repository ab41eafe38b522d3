import { Machine, type HotSpot, type MachineSpec, type OperatingPoint, type Reading } from './machine.js';
import { analog, flag, MIN } from './signals.js';

/**
 * A VSD-driven centrifugal fan of an air-handling unit on spring isolators (ISO 10816-3 group 2,
 * flexible), with a bag filter upstream. Speed follows load between `minSpeed` and full speed;
 * airflow follows speed, filter pressure drop the square of airflow, shaft power its cube (fan
 * affinity laws).
 */
export const FAN_DEFAULTS = {
  speed: 1460,
  /** Lowest speed as a share of full speed. */
  minSpeed: 0.6,
  ratedAirflow: 40_000,
  /** Filter pressure drop at full airflow when clean, Pa (a new F7 bag filter). */
  cleanDp: 120,
  /** Final pressure drop at which the filter is changed, Pa. */
  filterLimit: 300,
  ratedCurrent: 40,
  bearingRise: 25,
  motorRise: 55,
  vibration: 0,
};

export class Fan extends Machine {
  readonly kind = 'fan';
  override readonly hotSpot: HotSpot = {
    signal: 'motor_temp',
    tau: 30 * MIN,
    limits: [
      { signal: 'motor_temp', value: 130, label: 'winding temperature alarm' },
      { signal: 'motor_temp', value: 155, label: 'insulation class F limit' },
    ],
  };

  constructor(spec: MachineSpec) {
    super(
      spec,
      [
        flag('running', 'Running'),
        analog('speed', 'Fan speed', 'rpm', 0, 1800, 2, 0),
        analog('airflow', 'Airflow', 'm3/h', 0, 80_000, 300, 0),
        analog('filter_dp', 'Filter differential pressure', 'Pa', 0, 1000, 3, 1),
        analog('motor_current', 'Motor current', 'A', 0, 200, 0.3, 2),
        analog('vibration', 'Vibration velocity (RMS), fan bearing', 'mm/s', 0, 50, 0.08, 3),
        analog('bearing_temp', 'Bearing temperature, fan side', 'degC', -40, 200, 0.3, 2),
        analog('motor_temp', 'Motor winding temperature', 'degC', -40, 220, 0.3, 2),
      ],
      FAN_DEFAULTS,
    );
  }

  protected healthy(op: OperatingPoint): Reading {
    const p = this.p;
    const n = op.running ? p.minSpeed! + (1 - p.minSpeed!) * Math.min(1, op.load) : 0;
    return {
      running: op.running,
      speed: p.speed! * n,
      airflow: p.ratedAirflow! * n,
      filter_dp: p.cleanDp! * n * n,
      motor_current: op.running ? p.ratedCurrent! * (0.2 + 0.8 * n ** 3) : 0,
      vibration: op.running ? this.healthyVibration * (0.7 + 0.3 * n) : 0.05,
      bearing_temp: op.ambient + p.bearingRise! * op.heat(60 * MIN),
      motor_temp: op.ambient + p.motorRise! * op.heat(30 * MIN),
    };
  }
}
