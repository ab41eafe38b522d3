import type { Machine, Value } from '../plant/machine.js';
import { streamOf, uniformAt } from '../plant/prng.js';
import type { FaultEntry } from '../scenario/schema.js';

const DAY = 86_400_000;

/** What a sensor reports at one instant: a value and, for OPC UA, the status it comes with. */
export interface SensorValue {
  value: Value;
  /** An OPC UA Bad status name; Good when absent. */
  status?: string;
}

/**
 * A machine's sensors: the model's reading through the faults of each signal. Faults are pure
 * functions of time like the models: stuck, dropout (no sample), spikes, drift, chatter and an
 * OPC UA Bad status. `slow` and `word-swap` act elsewhere (the reporting interval, the Modbus
 * encoding). Times in entries are offsets from `origin`.
 */
export class Sensors {
  private readonly bySignal = new Map<string, FaultEntry[]>();
  private readonly stuckAt = new Map<FaultEntry, Value>();

  constructor(
    private readonly machine: Machine,
    faults: readonly FaultEntry[],
    private readonly origin: number,
    /** Reporting interval per signal, ms: spikes come once per `every` on average whatever the rate. */
    private readonly interval: ReadonlyMap<string, number>,
  ) {
    for (const f of faults) {
      if (f.type === 'slow') continue;
      const list = this.bySignal.get(f.signal) ?? [];
      list.push(f);
      this.bySignal.set(f.signal, list);
    }
  }

  private active(f: FaultEntry, t: number): boolean {
    if (f.type === 'slow' || f.type === 'word-swap') return true;
    return t >= this.origin + f.start && (f.end === undefined || t < this.origin + f.end);
  }

  /** True when the Modbus device holds this float word-swapped. */
  wordSwapped(signal: string): boolean {
    return this.bySignal.get(signal)?.some((f) => f.type === 'word-swap') ?? false;
  }

  /** The signals' values at `t` (`reading` is the model's `read(t)`); a signal in dropout is left out. */
  apply(t: number, reading: Record<string, Value>, signals: Iterable<string>): Map<string, SensorValue> {
    const out = new Map<string, SensorValue>();
    for (const s of signals) {
      const v = this.one(s, t, reading[s]!);
      if (v) out.set(s, v);
    }
    return out;
  }

  private one(signal: string, t: number, raw: Value): SensorValue | undefined {
    const faults = this.bySignal.get(signal);
    if (!faults) return { value: raw };
    let value = raw;
    let status: string | undefined;
    for (const f of faults) {
      if (!this.active(f, t)) continue;
      const since = t - (this.origin + ('start' in f ? f.start : 0));
      switch (f.type) {
        case 'dropout':
          return undefined;
        case 'stuck': {
          let frozen = this.stuckAt.get(f);
          if (frozen === undefined) {
            frozen = this.machine.read(this.origin + f.start)[signal]!;
            this.stuckAt.set(f, frozen);
          }
          return { value: frozen };
        }
        case 'bad-status':
          status = f.status;
          break;
        case 'drift':
          if (typeof value === 'number') value += (f.perDay * since) / DAY;
          break;
        case 'chatter':
          if (typeof value === 'number') value += (Math.floor(since / (f.period / 2)) % 2 === 0 ? 1 : -1) * (f.amplitude / 2);
          break;
        case 'spikes': {
          const step = this.interval.get(signal) ?? 60_000;
          if (typeof value === 'number' && uniformAt(streamOf(`${this.machine.id}/${signal}/spikes`), 0, Math.round(t / step)) < step / f.every) value += f.size;
          break;
        }
      }
    }
    return status ? { value, status } : { value };
  }
}

/** What a Modbus master reading ABCD gets from a float32 the device holds as CDAB. */
export function wordSwappedFloat(v: number): number {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v);
  const swapped = Buffer.from([b[2]!, b[3]!, b[0]!, b[1]!]);
  return swapped.readFloatBE();
}
