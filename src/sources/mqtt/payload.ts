import type { Quality, Sample } from '../../core/sample.js';
import { parseTimestamp, TimestampError } from '../../core/timestamp.js';
import { decodeFlatObject } from './flat-json.js';
import { fieldRef, MAX_ORDER, push, rememberOrder, tagRef } from './tag-refs.js';
import type { Route, TagRef } from './topics.js';

export { parseTimestamp };

/**
 * Why a payload (or part of it) was refused; the source counts and logs these once per topic.
 * When part of it was usable, the samples from that part are in the output array already and
 * the source ingests them (see {@link decodePayload} for which parts are kept).
 */
export class PayloadError extends TimestampError {}

/** Payloads larger than this are refused whole unless the topic mapping sets `maxPayload`. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

const QUALITIES = new Set<Quality>(['Good', 'Uncertain', 'Bad']);

function scalar(v: unknown): v is number | boolean | string {
  return (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'string';
}

/**
 * Why a JSON value is no sample value, as the Bad sample's reason; a short text of it, for the
 * tag's latest value. Never walks into the value: a field nested 10,000 deep costs nothing.
 */
function unusable(v: unknown): { value: string; reason: string } {
  if (typeof v === 'number') return { value: String(v), reason: 'not_finite' }; // 1e400 reads as Infinity
  if (v === null) return { value: 'null', reason: 'no_value' };
  return { value: Array.isArray(v) ? '[array]' : '{object}', reason: 'not_a_scalar' };
}

/** What a decode found unusable beside what it kept, for one PayloadError at the end. */
interface Unusable {
  count: number;
  first: string | undefined;
}

function note(u: Unusable, what: string): void {
  u.count++;
  u.first ??= what;
}

function bareValue(text: string): number | boolean {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) throw new PayloadError(`expected a number, got ${JSON.stringify(t.slice(0, 40))}`);
  return n;
}

/**
 * Decodes one MQTT payload into samples for the route's asset. Accepted shapes:
 * a bare number or true/false (the topic names the tag); a JSON object, either
 * `{ "value": 71.2, "ts": … }` for a topic that names the tag, or `{ "ts": …, "<field>": v, … }`
 * where each field is a tag; a JSON array of such objects. Pushes into `out`.
 *
 * What is kept of a payload that is partly unusable: a field whose value is no number, boolean
 * or string (an object, an array, null, a number too large for a double such as 1e400) becomes a
 * Bad sample of its tag (`not_a_scalar`, `no_value`, `not_finite`) beside the good fields; an
 * array element that is no object, or carries a bad timestamp, is skipped and the other elements
 * kept. Both then throw a {@link PayloadError} after `out` holds what was kept, so the source
 * counts and logs the message. A payload that is no JSON, larger than the mapping's
 * `maxPayload`, or yields nothing usable is refused whole.
 */
export function decodePayload(route: Route, payload: Buffer, now: number, out: Sample[], flat = true): void {
  const m = route.mapping;
  const asset = route.asset;
  if (asset === undefined) throw new PayloadError('the topic mapping gives no asset ({asset} in the topic, or `asset:`)');
  const max = m.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (payload.length > max) throw new PayloadError(`payload of ${payload.length} bytes is larger than maxPayload (${max} bytes); refused whole`);
  // The common case straight from the bytes (`flat` false: the general path alone, for tests).
  if (flat && m.format !== 'number' && decodeFlatObject(route, asset, payload, now, out)) return;
  const text = payload.toString('utf8');
  const first = firstNonSpace(text);
  if (m.format === 'number' || (m.format === 'auto' && first !== '{' && first !== '[')) {
    if (route.tag === undefined) throw new PayloadError('a bare value needs the tag from the topic ({tag}) or `tag:`');
    push(out, tagRef(route, asset, route.tag), now, bareValue(text), 'Good');
    return;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new PayloadError(`invalid JSON: ${(e as Error).message}`);
  }
  const bad: Unusable = { count: 0, first: undefined };
  if (Array.isArray(data)) {
    if (data.length === 0) throw new PayloadError('empty JSON array');
    for (let i = 0; i < data.length; i++) {
      try {
        decodeObject(route, asset, data[i], now, out, bad);
      } catch (e) {
        if (!(e instanceof PayloadError)) throw e;
        note(bad, `element ${i}: ${e.message}`);
      }
    }
  } else if (scalar(data)) {
    if (route.tag === undefined) throw new PayloadError('a bare value needs the tag from the topic ({tag}) or `tag:`');
    push(out, tagRef(route, asset, route.tag), now, data, 'Good');
  } else decodeObject(route, asset, data, now, out, bad);
  if (bad.count > 0) throw new PayloadError(`${bad.count} unusable part${bad.count === 1 ? '' : 's'} (the rest kept): ${bad.first}`);
}

/** A short description of a JSON value for an error message; never walks into it. */
function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  return String(v);
}

function decodeObject(route: Route, asset: string, data: unknown, now: number, out: Sample[], bad: Unusable): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new PayloadError(`expected a JSON object, got ${describe(data)}`);
  const o = data as Record<string, unknown>;
  const m = route.mapping;
  const tsRaw = o[m.timestampField];
  const ts = tsRaw === undefined ? now : readTimestamp(tsRaw, m.timestampUnit);
  let quality: Quality = 'Good';
  const q = o.quality;
  if (typeof q === 'string' && QUALITIES.has(q as Quality)) quality = q as Quality;
  const tag = route.tag ?? (typeof o.tag === 'string' ? o.tag : undefined);
  if (tag !== undefined) {
    const v = o[m.valueField];
    if (v === undefined) throw new PayloadError(`field "${m.valueField}" must hold a number, boolean or string`);
    if (scalar(v)) push(out, tagRef(route, asset, tag), ts, v, quality);
    else pushUnusable(out, tagRef(route, asset, tag), ts, v, m.valueField, bad);
    return;
  }
  const before = out.length;
  const order = route.order;
  let i = 0;
  for (const k in o) {
    if (k === m.timestampField || k === 'quality') continue;
    const v = o[k];
    if (!scalar(v)) {
      // Not remembered in the route's field order: the byte path reads numbers only.
      pushUnusable(out, fieldRef(route, asset, k), ts, v, k, bad);
      continue;
    }
    let r: TagRef;
    if (order[i] === k) r = route.orderRefs[i]!;
    else {
      r = fieldRef(route, asset, k);
      if (i < MAX_ORDER) rememberOrder(route, i, k, r);
    }
    i++;
    push(out, r, ts, v, quality);
  }
  if (out.length === before) throw new PayloadError('JSON object has no value fields');
}

/** A Bad sample for a field whose value is no sample value: counted per field, the good fields kept. */
function pushUnusable(out: Sample[], r: TagRef, ts: number, v: unknown, field: string, bad: Unusable): void {
  const u = unusable(v);
  out.push({ tag: r.key, ts, value: u.value, quality: 'Bad', reason: u.reason, index: r.index });
  note(bad, `field "${field}" holds ${u.value} (${u.reason})`);
}

/** {@link parseTimestamp}, failing as a {@link PayloadError}: the source counts those and goes on. */
function readTimestamp(v: unknown, unit: Parameters<typeof parseTimestamp>[1]): number {
  try {
    return parseTimestamp(v, unit);
  } catch (e) {
    if (e instanceof TimestampError && !(e instanceof PayloadError)) throw new PayloadError(e.message);
    throw e;
  }
}

function firstNonSpace(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return s[i]!;
  }
  return '';
}
