import { describe, expect, it } from 'vitest';
import { machineSpec } from '../../../simulators/plant/machine.js';
import { createMachine } from '../../../simulators/plant/registry.js';
import type { FaultEntry } from '../../../simulators/scenario/schema.js';
import { Sensors, wordSwappedFloat } from '../../../simulators/sensors/faults.js';

const T0 = Date.UTC(2026, 0, 5);
const H = 3_600_000;
const pump = () => createMachine('pump', machineSpec({ id: 'p', origin: T0, seed: 3 }));
const interval = new Map([['vibration', 60_000], ['bearing_temp', 60_000]]);
function sensors(faults: FaultEntry[]) {
  const m = pump();
  const s = new Sensors(m, faults, T0, interval);
  return (t: number, signal = 'vibration') => s.apply(T0 + t, m.read(T0 + t), [signal]).get(signal);
}

describe('sensor faults', () => {
  it('stuck: the value freezes at its reading at the start; before it the sensor reads the model', () => {
    const read = sensors([{ type: 'stuck', signal: 'vibration', start: H }]);
    const frozen = pump().read(T0 + H).vibration;
    expect(read(2 * H)!.value).toBe(frozen);
    expect(read(5 * H)!.value).toBe(frozen);
    expect(read(30 * 60_000)!.value).toBe(pump().read(T0 + 30 * 60_000).vibration);
  });

  it('dropout: no sample between start and end', () => {
    const read = sensors([{ type: 'dropout', signal: 'vibration', start: H, end: 2 * H }]);
    expect(read(H + 1)).toBeUndefined();
    expect(read(2 * H)).toBeDefined();
  });

  it('drift adds its rate per day; chatter a square wave of ± amplitude / 2', () => {
    const drift = sensors([{ type: 'drift', signal: 'bearing_temp', start: 0, perDay: 2 }]);
    expect((drift(12 * H, 'bearing_temp')!.value as number) - (pump().read(T0 + 12 * H).bearing_temp as number)).toBeCloseTo(1, 6);
    const chatter = sensors([{ type: 'chatter', signal: 'bearing_temp', start: 0, amplitude: 20, period: 60_000 }]);
    const off = (t: number) => (chatter(t, 'bearing_temp')!.value as number) - (pump().read(T0 + t).bearing_temp as number);
    expect(off(10_000)).toBeCloseTo(10, 6);
    expect(off(40_000)).toBeCloseTo(-10, 6);
  });

  it('spikes come about once per `every`, each off by its size', () => {
    const read = sensors([{ type: 'spikes', signal: 'vibration', start: 0, every: 2 * H, size: 20 }]);
    let spikes = 0;
    for (let t = 0; t < 200 * H; t += 60_000) if ((read(t)!.value as number) > 15) spikes++;
    expect(spikes).toBeGreaterThan(60);
    expect(spikes).toBeLessThan(140);
  });

  it('bad-status carries an OPC UA Bad status from its start', () => {
    const read = sensors([{ type: 'bad-status', signal: 'vibration', start: H, status: 'BadSensorFailure' }]);
    expect(read(0)!.status).toBeUndefined();
    expect(read(2 * H)!.status).toBe('BadSensorFailure');
  });

  it('word-swap: a float held CDAB and read as ABCD is nonsense, and swapping twice gives it back', () => {
    expect(wordSwappedFloat(1.137)).not.toBeCloseTo(1.137, 1);
    expect(wordSwappedFloat(wordSwappedFloat(1.137))).toBeCloseTo(1.137, 6);
    expect(new Sensors(pump(), [{ type: 'word-swap', signal: 'vibration' }], T0, interval).wordSwapped('vibration')).toBe(true);
  });
});
