import { UsageCounter } from './counters.js';
import { Machine, machineSpec, type HotSpot, type MachineSpec, type OperatingPoint, type Reading } from './machine.js';
import { analog, counter, flag, MIN, roundTo } from './signals.js';

/**
 * An oil-injected rotary screw air compressor with load/unload control (e.g. 37 kW): it loads at
 * the cut-in pressure and unloads at the cut-out pressure. Air demand (the load profile, plus
 * leaks) sets its duty: loaded for `band / (1 - duty)` seconds, unloaded for `band / duty`,
 * so pressure, current and temperature follow a saw-tooth. Past full duty it cannot hold
 * pressure, which sags below cut-in. Its controller counts run hours.
 */
export const COMPRESSOR_DEFAULTS = {
  cutIn: 6.5,
  cutOut: 7.5,
  /** Seconds to fill the pressure band at full capacity with no demand (receiver size). */
  band: 60,
  loadedCurrent: 68,
  unloadedCurrent: 27,
  /** Element discharge temperature at full duty and 20 °C ambient, °C. */
  dischargeTemp: 80,
  /** Inlet filter pressure drop when clean, mbar; changed at `filterLimit`. */
  cleanDp: 25,
  filterLimit: 60,
  initialRunHours: 12_345,
  vibration: 0,
};

export class AirCompressor extends Machine {
  readonly kind = 'compressor';
  /** Typical controller settings for an oil-injected screw: warning 105 °C, shutdown 115 °C. */
  override readonly hotSpot: HotSpot = {
    signal: 'discharge_temp',
    tau: 20 * MIN,
    limits: [
      { signal: 'discharge_temp', value: 105, label: 'element temperature warning' },
      { signal: 'discharge_temp', value: 115, label: 'element temperature shutdown' },
    ],
  };
  private readonly usage: UsageCounter;

  constructor(spec: MachineSpec) {
    super(
      spec,
      [
        flag('running', 'Running'),
        flag('loaded', 'Loaded'),
        analog('discharge_pressure', 'Discharge pressure', 'bar', 0, 16, 0.02, 3),
        analog('discharge_temp', 'Element discharge temperature', 'degC', -20, 150, 0.3, 2),
        analog('motor_current', 'Motor current', 'A', 0, 200, 0.5, 2),
        analog('vibration', 'Vibration velocity (RMS)', 'mm/s', 0, 50, 0.05, 3),
        analog('load_pct', 'Loaded share of the last cycles', '%', 0, 100, 0.5, 1),
        analog('filter_dp', 'Inlet filter differential pressure', 'mbar', 0, 200, 0.5, 1),
        counter('hour_meter', 'Hour meter (controller)', 'h', 1),
      ],
      COMPRESSOR_DEFAULTS,
    );
    this.usage = new UsageCounter(spec.schedule, spec.origin, this.p.initialRunHours);
  }

  protected healthy(op: OperatingPoint): Reading {
    const p = this.p;
    const demand = op.running ? op.load + (op.extra.leak ?? 0) : 0;
    const duty = Math.min(1, Math.max(0.02, demand));
    let loaded: boolean;
    let pressure: number;
    if (!op.running) {
      loaded = false;
      pressure = 0;
    } else if (demand >= 1) {
      loaded = true;
      pressure = p.cutIn! - Math.min(3, (demand - 1) * 4);
    } else {
      const up = p.band! / (1 - duty);
      const down = p.band! / duty;
      const phase = (op.t / 1000) % (up + down);
      loaded = phase < up;
      const span = p.cutOut! - p.cutIn!;
      pressure = loaded ? p.cutIn! + (span * phase) / up : p.cutOut! - (span * (phase - up)) / down;
    }
    return {
      running: op.running,
      loaded,
      discharge_pressure: pressure,
      discharge_temp: op.running ? p.dischargeTemp! - 9 * (1 - duty) + 0.35 * (op.ambient - 20) : op.ambient + 10,
      motor_current: op.running ? (loaded ? p.loadedCurrent! : p.unloadedCurrent!) : 0,
      vibration: op.running ? this.healthyVibration * (loaded ? 1 : 0.8) : 0.05,
      load_pct: op.running ? 100 * duty : 0,
      filter_dp: op.running ? p.cleanDp! * (0.5 + 0.5 * duty) : 0,
      hour_meter: roundTo(this.usage.at(op.t).runHours, 1),
    };
  }
}

/** Plant time at which the fixed test device's model time `t = 0` falls. */
export const DEVICE_ORIGIN = Date.UTC(2026, 0, 5, 8);

/**
 * The compressor C-201 of the fixed Modbus test device (simulators/modbus, README § Modbus):
 * its reading `t` seconds after the device started, in the fields the register map serves.
 */
export function demoCompressor(): { id: string; read(t: number): { discharge_pressure: number; discharge_temp: number; motor_current: number; vibration: number; hour_meter: number; running: boolean; loaded: boolean } } {
  const origin = DEVICE_ORIGIN;
  const m = new AirCompressor(machineSpec({ id: 'c-201', seed: 201, origin, load: { day: 0.6, night: 0.4, variation: 0.05 } }));
  return {
    id: 'c-201',
    read(t) {
      const r = m.read(origin + t * 1000);
      return {
        discharge_pressure: r.discharge_pressure as number,
        discharge_temp: r.discharge_temp as number,
        motor_current: r.motor_current as number,
        // The register holds vibration as a uint16 of 0.01 mm/s.
        vibration: Math.round((r.vibration as number) * 100) / 100,
        hour_meter: r.hour_meter as number,
        running: r.running as boolean,
        loaded: r.loaded as boolean,
      };
    },
  };
}
