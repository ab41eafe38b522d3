/** A timestamp that cannot be read; payload decoders subclass it. */
export class TimestampError extends Error {}

/**
 * Converts a timestamp to epoch milliseconds. `auto` reads numbers by magnitude (seconds below
 * 1e11, milliseconds below 1e14, microseconds below 1e17, else nanoseconds) and strings as ISO 8601.
 */
export function parseTimestamp(v: unknown, unit: 'auto' | 'ms' | 's' | 'iso'): number {
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (unit === 'ms') return v;
    if (unit === 's') return v * 1000;
    if (unit === 'iso') throw new TimestampError(`timestamp ${v} is a number, expected an ISO 8601 string`);
    const a = Math.abs(v);
    if (a < 1e11) return v * 1000;
    if (a < 1e14) return v;
    if (a < 1e17) return v / 1000;
    return v / 1e6;
  }
  if (typeof v === 'string' && unit !== 'ms' && unit !== 's') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new TimestampError(`cannot read timestamp ${JSON.stringify(v)} (${unit})`);
}

/**
 * ISO 8601 for any number, never a throw: `new Date(x).toISOString()` throws a RangeError for
 * times beyond ±8.64e15 ms (a timestamp read in the wrong unit, say), and an answer or an order
 * must not fail on one stored time. Out-of-range times print as `invalid:<ms>`.
 */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `invalid:${ms}`;
}
