import type { Sensor, Signal } from './plant.js';

/** One asset's two sensors. */
interface Machine {
  asset: string;
  every: string;
  loss?: number;
  temp: Signal;
  vib: Signal;
}

/**
 * The healthy plant: a pump on wired 1-minute sensors, a motor on 10-minute wireless ones losing
 * 2 % of reports, a fan on hourly wireless ones, a compressor on 30-second ones in a plant whose
 * shift runs seven hours ahead of UTC. Every machine runs a day shift (lighter at weekends), with
 * day-to-day variation and sensor noise; temperatures in °C, vibration in mm/s RMS well inside
 * ISO 10816-3 zone B for its group and foundation.
 */
export const MACHINES: Machine[] = [
  {
    asset: 'pump-1',
    every: '1m',
    temp: { base: 62, daily: 5, weekend: 0.6, dayNoise: 0.8, noise: 0.3, resolution: 0.1 },
    vib: { base: 1.8, daily: 0.2, weekend: 0.6, dayNoise: 0.06, noise: 0.12 },
  },
  {
    asset: 'motor-1',
    every: '10m',
    loss: 0.02,
    temp: { base: 58, daily: 4, dayNoise: 1, noise: 0.3, resolution: 0.1 },
    vib: { base: 2.6, daily: 0.3, dayNoise: 0.08, noise: 0.2 },
  },
  {
    asset: 'fan-1',
    every: '1h',
    loss: 0.02,
    temp: { base: 45, daily: 6, dayNoise: 1.5, noise: 0.4, resolution: 0.1 },
    vib: { base: 2.8, daily: 0.2, dayNoise: 0.1, noise: 0.2 },
  },
  {
    asset: 'comp-1',
    every: '30s',
    temp: { base: 70, daily: 5, utcOffset: 7, dayNoise: 1, noise: 0.4, resolution: 0.1 },
    vib: { base: 3.0, daily: 0.4, utcOffset: 7, dayNoise: 0.08, noise: 0.25 },
  },
];

/** The healthy plant's sensors; `change` alters one machine's (wear, a fault). */
export function fleet(change: (asset: string, tag: 'bearing_temp' | 'vibration', s: Sensor) => Sensor = (_a, _t, s) => s): Sensor[] {
  return MACHINES.flatMap((m) => [
    change(m.asset, 'bearing_temp', { asset: m.asset, tag: 'bearing_temp', every: m.every, ...(m.loss ? { loss: m.loss } : {}), signal: m.temp }),
    change(m.asset, 'vibration', { asset: m.asset, tag: 'vibration', every: m.every, ...(m.loss ? { loss: m.loss } : {}), signal: m.vib }),
  ]);
}
