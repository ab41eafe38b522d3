import { UsageCounter } from './counters.js';
import { Machine, type HotSpot, type MachineSpec, type OperatingPoint, type Reading } from './machine.js';
import { analog, counter, flag, MIN } from './signals.js';

/**
 * A TEFC induction motor (IEC, insulation class F), e.g. 75 kW, 4 poles, driving a load through
 * a coupling (ISO 10816-3 group 2). Winding and bearing temperatures follow heat input and
 * ambient (30- and 60-minute lags); slip grows with load; its protection relay counts starts.
 */
export const MOTOR_DEFAULTS = {
  ratedCurrent: 130,
  noLoadCurrent: 45,
  /** Synchronous speed, rpm; the rotor runs below it by the slip. */
  syncSpeed: 1500,
  /** Slip at full load, rpm. */
  slip: 15,
  windingRise: 70,
  bearingRise: 35,
  vibration: 0,
  initialStarts: 0,
};

export class Motor extends Machine {
  readonly kind = 'motor';
  /** IEC 60034-1 class F: 155 °C limit; 130 °C a usual RTD alarm setting. */
  override readonly hotSpot: HotSpot = {
    signal: 'winding_temp',
    tau: 30 * MIN,
    limits: [
      { signal: 'winding_temp', value: 130, label: 'winding temperature alarm' },
      { signal: 'winding_temp', value: 155, label: 'insulation class F limit' },
    ],
  };
  private readonly usage: UsageCounter;

  constructor(spec: MachineSpec) {
    super(
      spec,
      [
        flag('running', 'Running'),
        analog('speed', 'Speed', 'rpm', 0, 3600, 1, 0),
        analog('motor_current', 'Motor current', 'A', 0, 600, 0.8, 2),
        analog('winding_temp', 'Winding temperature (PT100)', 'degC', -40, 220, 0.3, 2),
        analog('bearing_temp', 'Bearing temperature, DE', 'degC', -40, 200, 0.3, 2),
        analog('vibration', 'Vibration velocity (RMS), DE bearing', 'mm/s', 0, 50, 0.05, 3),
        counter('start_count', 'Starts (protection relay counter)', 'starts', 0),
      ],
      MOTOR_DEFAULTS,
    );
    this.usage = new UsageCounter(spec.schedule, spec.origin, 0, this.p.initialStarts);
  }

  protected healthy(op: OperatingPoint): Reading {
    const p = this.p;
    return {
      running: op.running,
      speed: op.running ? p.syncSpeed! - p.slip! * op.load : 0,
      motor_current: op.running ? p.noLoadCurrent! + (p.ratedCurrent! - p.noLoadCurrent!) * op.load : 0,
      winding_temp: op.ambient + p.windingRise! * op.heat(30 * MIN),
      bearing_temp: op.ambient + p.bearingRise! * op.heat(60 * MIN),
      vibration: this.vibrationAt(op),
      start_count: this.usage.at(op.t).starts,
    };
  }
}
