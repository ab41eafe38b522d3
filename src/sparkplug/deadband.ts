import type { Deadband } from '../config/fleet.js';

/**
 * Whether `v` differs enough from the last published value `last` to be published again
 * (report by exception). NaN `last`: nothing published yet, so yes. An absolute deadband of 0
 * publishes every change and no repeat of the same value.
 */
export function exceedsDeadband(db: Deadband, last: number, v: number, min: number | undefined, max: number | undefined): boolean {
  if (Number.isNaN(last)) return true;
  const d = Math.abs(v - last);
  if ('absolute' in db) return d > db.absolute;
  // Percent of the engineering span where the tag has one (Ignition's and Kepware's percent
  // deadband on a scaled tag), else of the last published value.
  const span = min !== undefined && max !== undefined && max > min ? max - min : Math.abs(last);
  return d > (span * db.percent) / 100;
}
