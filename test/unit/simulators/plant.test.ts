import { describe, expect, it } from 'vitest';
import { severityAt } from '../../../simulators/plant/degradation/degradation.js';
import { groundTruth } from '../../../simulators/plant/ground-truth.js';
import { zoneOf, zones } from '../../../simulators/plant/iso10816.js';
import { machineSpec, MACHINE_KINDS, type MachineSpec } from '../../../simulators/plant/machine.js';
import { createMachine } from '../../../simulators/plant/registry.js';

const T0 = Date.UTC(2026, 0, 5); // a Monday
const H = 3_600_000;
const D = 24 * H;
const spec = (p: Partial<MachineSpec> & { id: string }) => machineSpec({ origin: T0, seed: 7, ...p });

describe('machine models', () => {
  it('are deterministic per seed, whoever asks and in any order', () => {
    for (const kind of MACHINE_KINDS) {
      const a = createMachine(kind, spec({ id: 'x' }));
      const b = createMachine(kind, spec({ id: 'x' }));
      const times = [5 * H, 1 * H, 3 * D + 17 * 60_000];
      const forward = times.map((t) => a.read(T0 + t));
      const backward = [...times].reverse().map((t) => b.read(T0 + t)).reverse();
      expect(backward, kind).toEqual(forward);
      expect(createMachine(kind, spec({ id: 'x', seed: 8 })).read(T0 + 5 * H), kind).not.toEqual(forward[0]);
    }
  });

  it('a healthy machine sits in ISO 10816-3 zone A or B and its temperatures stay plausible over a week', () => {
    for (const kind of MACHINE_KINDS) {
      const m = createMachine(kind, spec({ id: 'x', iso: { group: 2, foundation: kind === 'fan' ? 'flexible' : 'rigid' } }));
      for (let t = 0; t < 7 * D; t += 37 * 60_000) {
        const r = m.read(T0 + t);
        expect(['A', 'B'], `${kind} vibration at +${t / H} h`).toContain(zoneOf(m.iso, r.vibration as number));
        for (const temp of ['bearing_temp', 'winding_temp', 'oil_temp', 'motor_temp', 'discharge_temp'] as const) {
          if (r[temp] !== undefined) expect(r[temp] as number, `${kind} ${temp}`).toBeGreaterThan(5);
          if (r[temp] !== undefined) expect(r[temp] as number, `${kind} ${temp}`).toBeLessThan(100);
        }
      }
    }
  });

  it('respond to ambient and load: a pump bearing is warmer at 15:00 than at 04:00, its flow higher by day', () => {
    const p = createMachine('pump', spec({ id: 'p' }));
    const at = (h: number) => p.expected(T0 + 2 * D + h * H);
    expect(at(15).bearing_temp as number).toBeGreaterThan((at(4).bearing_temp as number) + 5);
    expect(at(14).flow as number).toBeGreaterThan(at(3).flow as number);
  });

  it('respond to shifts: a motor on 06:00-22:00 weekdays stops at night and at the weekend, and counts its starts', () => {
    const m = createMachine('motor', spec({ id: 'm', schedule: { type: 'shifts', days: [1, 2, 3, 4, 5], windows: [{ from: 360, to: 1320 }] } }));
    const at = (t: number) => m.expected(T0 + t);
    expect(at(3 * H).running).toBe(false);
    expect(at(3 * H).motor_current).toBe(0);
    expect(at(10 * H).running).toBe(true);
    expect(at(10 * H).motor_current as number).toBeGreaterThan(60);
    expect(at(5 * D + 10 * H).running).toBe(false); // Saturday
    expect(at(7 * D).start_count).toBe(5); // one start each weekday
    // A stopped motor cools toward ambient: winding much cooler at 05:00 than at 21:00.
    expect(at(D + 5 * H).winding_temp as number).toBeLessThan((at(21 * H).winding_temp as number) - 20);
  });

  it('a screw compressor loads for the share of time its air demand asks, and leaks raise it', () => {
    const loadShare = (leak: boolean) => {
      const c = createMachine('compressor', spec({ id: 'c', load: { day: 0.5, night: 0.5, variation: 0 }, degradations: leak ? [{ mode: 'leak', start: T0, duration: D, growth: 'step', magnitude: 1 }] : [] }));
      let loaded = 0;
      let n = 0;
      for (let t = 2 * H; t < 6 * H; t += 7_000, n++) if (c.expected(T0 + t).loaded) loaded++;
      return loaded / n;
    };
    expect(loadShare(false)).toBeGreaterThan(0.42);
    expect(loadShare(false)).toBeLessThan(0.58);
    expect(loadShare(true)).toBeGreaterThan(0.85);
  });
});

describe('degradations and their ground truth', () => {
  it('severity is 0 before the onset and 1 at the functional failure, by each growth law', () => {
    const d = { start: T0, duration: 10 * D, magnitude: 1 };
    for (const growth of ['linear', 'exponential', 'step'] as const) {
      expect(severityAt({ ...d, growth }, T0 - 1)).toBe(0);
      expect(severityAt({ ...d, growth }, T0 + 10 * D)).toBeCloseTo(1, 9);
    }
    expect(severityAt({ ...d, growth: 'linear' }, T0 + 5 * D)).toBeCloseTo(0.5, 9);
    // An exponential P-F curve bends late: at half the interval it is still low.
    expect(severityAt({ ...d, growth: 'exponential' }, T0 + 5 * D)).toBeLessThan(0.15);
  });

  it('bearing wear crosses the ISO zone boundaries in order, the temperature alarm only late (after zone C), none before onset', () => {
    const m = createMachine('pump', spec({ id: 'p-1', degradations: [{ mode: 'bearing-wear', start: T0 + 3 * D, duration: 20 * D, growth: 'exponential', magnitude: 1 }] }));
    const [t] = groundTruth(m, T0, T0 + 30 * D);
    const at = Object.fromEntries(t!.crossings.map((c) => [c.id, c.at!]));
    const z = zones({ group: 2, foundation: 'rigid' });
    expect(Object.keys(at)).toEqual([`p-1.vibration>${z.ab}`, `p-1.vibration>${z.bc}`, `p-1.vibration>${z.cd}`, 'p-1.bearing_temp>85', 'p-1.bearing_temp>95']);
    const times = Object.values(at);
    expect(times.every((x) => x > T0 + 3 * D)).toBe(true);
    expect(at[`p-1.vibration>${z.ab}`]!).toBeLessThan(at[`p-1.vibration>${z.bc}`]!);
    expect(at[`p-1.vibration>${z.bc}`]!).toBeLessThan(at[`p-1.vibration>${z.cd}`]!);
    expect(at[`p-1.vibration>${z.bc}`]!).toBeLessThan(at['p-1.bearing_temp>85']!);
    expect(at['p-1.bearing_temp>85']!).toBeLessThan(at['p-1.bearing_temp>95']!);
    // The failure point (severity 1) lies between the C/D crossing and the trip.
    expect(at[`p-1.vibration>${z.cd}`]!).toBeLessThanOrEqual(t!.failureAt);
  });

  it('each mode acts on the signals it names, and refuses a machine it cannot apply to', () => {
    const base = (kind: 'pump' | 'fan' | 'motor', mode: 'cavitation' | 'clogging-filter' | 'overheating' | 'misalignment') =>
      createMachine(kind, spec({ id: 'x', degradations: [{ mode, start: T0, duration: D, growth: 'step', magnitude: 1 }] }));
    const healthy = (kind: 'pump' | 'fan' | 'motor') => createMachine(kind, spec({ id: 'x' })).expected(T0 + 12 * H);
    expect(base('pump', 'cavitation').expected(T0 + 12 * H).flow as number).toBeLessThan((healthy('pump').flow as number) * 0.9);
    expect(base('fan', 'clogging-filter').expected(T0 + 12 * H).filter_dp as number).toBeGreaterThan((healthy('fan').filter_dp as number) * 3);
    expect(base('motor', 'overheating').expected(T0 + 12 * H).winding_temp as number).toBeGreaterThan((healthy('motor').winding_temp as number) + 40);
    expect(base('motor', 'misalignment').expected(T0 + 12 * H).vibration as number).toBeGreaterThan(4);
    expect(() => createMachine('motor', spec({ id: 'x', degradations: [{ mode: 'cavitation', start: T0, duration: D, growth: 'linear', magnitude: 1 }] }))).toThrow(/needs signals flow, suction_pressure, discharge_pressure/);
    expect(() => createMachine('pump', spec({ id: 'x', degradations: [{ mode: 'overheating', start: T0, duration: D, growth: 'linear', magnitude: 1 }] }))).toThrow(/does not apply to a pump/);
  });
});
