import { Machine, type HotSpot, type MachineSpec, type OperatingPoint, type Reading } from './machine.js';
import { analog, flag, MIN } from './signals.js';

/**
 * An air-cooled screw chiller (R134a, ~500 kW cooling) holding chilled water at its setpoint.
 * Return water is warmer by a ΔT proportional to load; evaporating and condensing pressures
 * follow R134a's saturation curve at the evaporating temperature and at ambient plus the
 * condenser's approach, so they rise in the afternoon; the compressor's discharge temperature
 * sits above condensing.
 */
export const CHILLER_DEFAULTS = {
  setpoint: 7,
  /** Chilled-water ΔT at full load, K. */
  deltaT: 5,
  /** Condensing above ambient at full load, K. */
  approach: 15,
  ratedCurrent: 350,
  vibration: 0,
};

/** R134a saturation pressure, bar(a), from a two-point Clausius-Clapeyron fit (0 °C: 2.93, 50 °C: 13.18). */
export function r134aPressure(tempC: number): number {
  return Math.exp(10.795 - 2655 / (tempC + 273.15));
}

export class Chiller extends Machine {
  readonly kind = 'chiller';
  override readonly hotSpot: HotSpot = {
    signal: 'discharge_temp',
    tau: 15 * MIN,
    limits: [
      { signal: 'discharge_temp', value: 95, label: 'discharge temperature warning' },
      { signal: 'discharge_temp', value: 105, label: 'discharge temperature trip' },
    ],
  };

  constructor(spec: MachineSpec) {
    super(
      spec,
      [
        flag('running', 'Running'),
        analog('load_pct', 'Capacity', '%', 0, 100, 0.5, 1),
        analog('chw_supply_temp', 'Chilled water supply temperature', 'degC', -10, 40, 0.05, 2),
        analog('chw_return_temp', 'Chilled water return temperature', 'degC', -10, 40, 0.05, 2),
        analog('evap_pressure', 'Evaporating pressure', 'bar', -1, 30, 0.02, 3),
        analog('cond_pressure', 'Condensing pressure', 'bar', -1, 40, 0.05, 3),
        analog('discharge_temp', 'Compressor discharge temperature', 'degC', -20, 150, 0.3, 2),
        analog('motor_current', 'Compressor motor current', 'A', 0, 800, 1.5, 1),
        analog('vibration', 'Vibration velocity (RMS), compressor', 'mm/s', 0, 50, 0.05, 3),
      ],
      CHILLER_DEFAULTS,
    );
  }

  protected healthy(op: OperatingPoint): Reading {
    const p = this.p;
    const q = op.running ? Math.min(1, op.load) : 0;
    const supply = p.setpoint! + (op.running ? 0.2 * q : 0);
    const cond = op.ambient + (op.running ? p.approach! * (0.6 + 0.4 * q) : 2);
    return {
      running: op.running,
      load_pct: 100 * q,
      chw_supply_temp: op.running ? supply : op.ambient - 5,
      chw_return_temp: op.running ? supply + p.deltaT! * q : op.ambient - 5,
      evap_pressure: r134aPressure(op.running ? supply - 5 : op.ambient - 5) - 1.013,
      cond_pressure: r134aPressure(cond) - 1.013,
      discharge_temp: op.running ? cond + 25 + 8 * q : op.ambient + 5,
      motor_current: op.running ? p.ratedCurrent! * (0.3 + 0.7 * q) : 0,
      vibration: this.vibrationAt(op),
    };
  }
}
