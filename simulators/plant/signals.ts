import type { SignalSpec } from './machine.js';

/** Shorthands for model signal lists. */
export function analog(id: string, name: string, unit: string, min: number, max: number, noise: number, decimals = 2): SignalSpec {
  return { id, name, unit, range: { min, max }, noise, decimals, kind: 'analog' };
}
export function flag(id: string, name: string): SignalSpec {
  return { id, name, noise: 0, decimals: 0, kind: 'boolean' };
}
export function counter(id: string, name: string, unit: string, decimals = 1): SignalSpec {
  return { id, name, unit, noise: 0, decimals, kind: 'counter' };
}

const H = 3_600_000;
export const MIN = 60_000;
export { H };

/** Round a counter the way a PLC register holds it. */
export function roundTo(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}
