/** Durations in scenario files: `90s`, `10m`, `6h`, `30d`, `2w`, `250ms`, or a number of ms. */
const SPAN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

export function spanMs(v: string | number): number | undefined {
  if (typeof v === 'number') return v >= 0 && Number.isFinite(v) ? v : undefined;
  const m = SPAN.exec(v.trim());
  return m ? Number(m[1]) * MS[m[2]!]! : undefined;
}

/** `1d 6h` style, for reports. */
export function formatSpan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let x = Math.abs(ms);
  const d = Math.floor(x / MS.d!);
  x -= d * MS.d!;
  const h = Math.floor(x / MS.h!);
  x -= h * MS.h!;
  const m = Math.round(x / MS.m!);
  const parts = [d && `${d}d`, h && `${h}h`, (m || (!d && !h)) && `${m}m`].filter(Boolean);
  return sign + parts.join(' ');
}

/**
 * A time in an expectation: an offset from the scenario start (`8d`), or a ground-truth crossing
 * (`p-101.bearing_temp>85`), either with an optional `+`/`-` offset (`p-101.vibration>4.5-2d`).
 */
export interface TimeRef {
  crossing?: string;
  offset: number;
  text: string;
}

const REF = /^(?:([a-z0-9][\w.-]*\.[a-z0-9_]+>[-\d.]+?))?\s*(?:([+-])?\s*(\d+(?:\.\d+)?(?:ms|s|m|h|d|w)))?$/i;

export function parseTimeRef(text: string): TimeRef | undefined {
  const m = REF.exec(text.trim());
  if (!m || (!m[1] && !m[3])) return undefined;
  const off = m[3] ? spanMs(m[3])! * (m[2] === '-' ? -1 : 1) : 0;
  if (!m[1] && m[2] === '-') return undefined;
  return { ...(m[1] ? { crossing: m[1] } : {}), offset: off, text };
}
