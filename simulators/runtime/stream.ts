import type { Value } from '../plant/machine.js';
import type { Scenario, SimMachine } from '../scenario/load.js';
import { Sensors, wordSwappedFloat, type SensorValue } from '../sensors/faults.js';

/** One sensor sample as it leaves the plant. */
export interface SimSample {
  asset: string;
  tag: string;
  ts: number;
  value: Value;
  /** OPC UA Bad status name when not Good. */
  status?: string;
}

interface Group {
  interval: number;
  signals: string[];
}

/** A machine with its sensors and its signals grouped by reporting interval. */
export interface PlantUnit {
  sim: SimMachine;
  sensors: Sensors;
  groups: Group[];
}

/**
 * The plant's sensor samples over time. Each signal samples on its own grid, `start + k ×
 * interval`, so the same scenario gives the same samples whenever and however it is asked:
 * `between` for publishers that send timestamps (MQTT JSON, the recording), `latest` for what a
 * register or a variable holds at an instant (Modbus, OPC UA, bare MQTT values).
 */
export class PlantStream {
  readonly units: PlantUnit[];

  constructor(readonly scenario: Scenario) {
    this.units = scenario.machines.map((sim) => {
      const byInterval = new Map<number, string[]>();
      for (const s of sim.signals) {
        const i = sim.interval.get(s.id)!;
        byInterval.set(i, [...(byInterval.get(i) ?? []), s.id]);
      }
      return {
        sim,
        sensors: new Sensors(sim.machine, sim.faults, scenario.start, sim.interval),
        groups: [...byInterval].map(([interval, signals]) => ({ interval, signals })),
      };
    });
  }

  /** Samples of one machine with `from < ts <= to` (and ts ≤ the scenario's end), by timestamp. */
  between(u: PlantUnit, from: number, to: number): { ts: number; values: Map<string, SensorValue> }[] {
    const { start, end } = this.scenario;
    const out: { ts: number; values: Map<string, SensorValue> }[] = [];
    const upTo = Math.min(to, end);
    for (const g of u.groups) {
      let k = from < start ? 0 : Math.floor((from - start) / g.interval) + 1;
      for (let ts = start + k * g.interval; ts <= upTo; ts = start + ++k * g.interval) {
        const values = u.sensors.apply(ts, u.sim.machine.read(ts), g.signals);
        if (values.size) out.push({ ts, values });
      }
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  /** What each signal last reported at or before `t` (a signal in dropout is absent). */
  latest(u: PlantUnit, t: number): Map<string, SensorValue & { ts: number }> {
    const { start, end } = this.scenario;
    const at = Math.max(start, Math.min(t, end));
    const out = new Map<string, SensorValue & { ts: number }>();
    for (const g of u.groups) {
      const ts = start + Math.floor((at - start) / g.interval) * g.interval;
      for (const [s, v] of u.sensors.apply(ts, u.sim.machine.read(ts), g.signals)) out.set(s, { ...v, ts });
    }
    return out;
  }

  /** Every sample in (from, to] as the gateway would decode it (a word-swapped float read as ABCD), for the recording. */
  *flat(from: number, to: number): Generator<SimSample> {
    for (const u of this.units) {
      for (const { ts, values } of this.between(u, from, to)) {
        for (const [tag, v] of values) {
          const value = typeof v.value === 'number' && u.sim.protocol === 'modbus' && u.sensors.wordSwapped(tag) ? wordSwappedFloat(v.value) : v.value;
          yield { asset: u.sim.entry.id, tag, ts, value, ...(v.status ? { status: v.status } : {}) };
        }
      }
    }
  }
}
