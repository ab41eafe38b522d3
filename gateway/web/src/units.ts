import { now as gatewayNow, scale as timeScale } from './clock.js';

/**
 * Units as people write them, and numbers and times for reading. The site config writes units in
 * ASCII (`degC`, `m3/h`); the page shows `°C`, `m³/h`. Times are shown in the browser's zone.
 */
const UNITS: Record<string, string> = {
  degC: '°C',
  degF: '°F',
  deg: '°',
  m3: 'm³',
  m2: 'm²',
  'm3/h': 'm³/h',
  'm3/s': 'm³/s',
  'Nm3/h': 'Nm³/h',
  'mm/s2': 'mm/s²',
  'm/s2': 'm/s²',
  ohm: 'Ω',
  kohm: 'kΩ',
  Mohm: 'MΩ',
  um: 'µm',
  us: 'µs',
  uA: 'µA',
  percent: '%',
  pct: '%',
};

/** A unit as people write it (`degC` → `°C`). */
export function unit(u: string | null | undefined): string {
  if (!u) return '';
  return UNITS[u] ?? u.replace(/\b(m|mm|cm|km)([23])\b/g, (_m, base: string, p: string) => `${base}${p === '2' ? '²' : '³'}`);
}

/** Units inside a sentence the API wrote (`reach 95 degC`). */
export function unitsIn(text: string): string {
  return text.replace(/(\d(?:[\d.,]*)\s?)(degC|degF|m3\/h|m3\/s|Nm3\/h|mm\/s2|m\/s2|m3|m2|kohm|Mohm|ohm|um|percent)\b/g, (_m, n: string, u: string) => `${n}${UNITS[u] ?? u}`);
}

const nf = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** A value with its unit: `88.25 °C`; booleans and strings as they are. */
export function value(v: unknown, u?: string | null): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    const s = Number.isFinite(v) ? nf.format(v) : String(v);
    const uu = unit(u);
    return uu ? `${s}${uu === '%' || uu === '°' ? '' : ' '}${uu}` : s;
  }
  return String(v);
}

export const num = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : digits === 1 ? nf1.format(v) : nf.format(v));
export const pct = (share: number | null | undefined) => (share === null || share === undefined ? '—' : `${nf1.format(share * 100)} %`);

const dt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const tOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A time in the browser's zone: `3 Jun 2026, 14:05`. */
export function time(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dt.format(d);
}

export function clock(iso: string | number): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : tOnly.format(d);
}

/** `5 min ago`, `3 h ago`, `2 days ago`. */
export function ago(iso: string | number | null | undefined, now = gatewayNow()): string {
  if (iso === null || iso === undefined) return '—';
  const ms = now - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return '—';
  // A sample stamped by its device a moment ahead of the gateway's clock as the page knows it
  // (a second of wall time, or what the gateway's faster simulated time makes of it).
  if (ms < 0 && -ms <= Math.max(5_000, 1_000 * timeScale())) return 'just now';
  return `${duration(Math.abs(ms))}${ms < 0 ? ' ahead' : ' ago'}`;
}

/** A span in the largest unit that reads well. */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${nf1.format(s / 3600)} h`;
  return `${nf1.format(s / 86400)} days`;
}

/** Hours as a span (`null` → —). */
export const hours = (h: number | null | undefined) => (h === null || h === undefined ? '—' : duration(h * 3_600_000));

/** The browser's zone, for the footer. */
export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
