/**
 * InfluxDB line protocol (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/):
 * measurement and tag keys/values escape commas, spaces and (tags) equals signs; string fields
 * are double-quoted with `"` and `\` escaped.
 */
const MEAS_RE = /[, \\\n]/g;
const TAG_RE = /[,= \\\n]/g;

export function escapeMeasurement(s: string): string {
  return s.replace(MEAS_RE, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function escapeTag(s: string): string {
  return s.replace(TAG_RE, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function fieldValue(v: number | boolean | string): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
