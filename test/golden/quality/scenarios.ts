/**
 * The detection-quality scenarios: the healthy plant of `fleet.ts` with one thing changed each.
 * Times are in days from the start (a Monday, 00:00 UTC).
 */
import { fleet } from './fleet.js';
import type { Scenario, Sensor } from './plant.js';

const on = (asset: string, tag: string, f: (s: Sensor) => Sensor) => (a: string, t: string, s: Sensor) => (a === asset && t === tag ? f(s) : s);

/** Normal operation: daily load cycles, lighter weekends, noise, lost wireless reports. */
export const normal = (days: number, seed = 1): Scenario => ({ days, seed, sensors: fleet() });

/** The motor's 10-minute wireless bearing-temperature sensor stops reporting on day `at`. */
export const staleAt = (days: number, at: number): Scenario => ({
  days,
  seed: 2,
  sensors: fleet(on('motor-1', 'bearing_temp', (s) => ({ ...s, faults: [{ kind: 'silent', from: at }] }))),
});

/** The fan's vibration sensor never reports after the gateway starts. */
export const neverReports = (days: number): Scenario => ({
  days,
  seed: 3,
  sensors: fleet(on('fan-1', 'vibration', (s) => ({ ...s, faults: [{ kind: 'never' }] }))),
});

/** Everything normal, and the pump's bearing temperature from a 1-second sensor (short: 86,400 samples a day). */
export const fastSensor = (days: number, silentAt?: number): Scenario => ({
  days,
  seed: 4,
  sensors: fleet(on('pump-1', 'bearing_temp', (s) => ({ ...s, every: '1s', ...(silentAt !== undefined ? { faults: [{ kind: 'silent', from: silentAt }] } : {}) }))),
});

/** Dropouts: the pump's vibration loses 2 to 4 minutes every day (under the stale floor) and 6 hours on day 12. */
export const dropouts = (days: number): Scenario => ({
  days,
  seed: 5,
  sensors: fleet(
    on('pump-1', 'vibration', (s) => ({
      ...s,
      faults: [...Array.from({ length: days }, (_, d) => ({ kind: 'dropout' as const, from: d + 0.3 + 0.02 * (d % 5), hours: (2 + (d % 3)) / 60 })), { kind: 'dropout', from: 12.4, hours: 6 }],
    })),
  ),
});

/** The compressor's bearing-temperature sensor freezes at its last value on day 10 and goes on reporting it. */
export const stuck = (days: number): Scenario => ({
  days,
  seed: 6,
  sensors: fleet(on('comp-1', 'bearing_temp', (s) => ({ ...s, faults: [{ kind: 'stuck', from: 10.4 }] }))),
});

/**
 * Slow bearing wear on the pump (1-minute sensors) from day 14: the bearing temperature rises
 * 0.2 °C a day at first, the rise doubling every week; its daily maximum reaches the 85 °C alarm
 * about day 37.
 */
export const bearingWearTemp = (days: number): Scenario => ({
  days,
  seed: 7,
  sensors: fleet(on('pump-1', 'bearing_temp', (s) => ({ ...s, signal: { ...s.signal, wear: { from: 14, rate: 0.2, doubling: 7 } } }))),
});

/**
 * Slow bearing wear on the motor (10-minute wireless sensors, ISO group 2 flexible: zone C from
 * 4.5, zone D from 7.1 mm/s) from day 10: vibration rises 0.02 mm/s a day at first, doubling every
 * 8 days.
 */
export const bearingWearVib = (days: number): Scenario => ({
  days,
  seed: 8,
  sensors: fleet(on('motor-1', 'vibration', (s) => ({ ...s, signal: { ...s.signal, wear: { from: 10, rate: 0.02, doubling: 8 } } }))),
});

/** The pump's vibration creeps from zone B through zone C (2.8) into zone D (4.5) between days 3 and 9, with noise. */
export const creepCtoD = (days: number): Scenario => ({
  days,
  seed: 9,
  sensors: fleet(on('pump-1', 'vibration', (s) => ({ ...s, signal: { ...s.signal, noise: 0.25, creep: { from: 3, to: 9, by: 3.2 } } }))),
});

/** The pump's bearing temperature dithers around the 85 °C alarm (±7 °C, a 6-minute period) for 6 hours on day 3. */
export const dither = (days: number): Scenario => ({
  days,
  seed: 10,
  sensors: fleet(on('pump-1', 'bearing_temp', (s) => ({ ...s, signal: { ...s.signal, dither: { from: 3.5, hours: 6, around: 85, amplitude: 7, periodMin: 6 } } }))),
});
