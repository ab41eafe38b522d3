import type { Quality, Sample } from '../../core/sample.js';
import { parseTimestamp, TimestampError } from '../../core/timestamp.js';
import { decodeFlatObject } from './flat-json.js';
import { fieldRef, MAX_ORDER, push, rememberOrder, tagRef } from './tag-refs.js';
import type { Route, TagRef } from './topics.js';

export { parseTimestamp };

/** Why a payload (or part of it) was refused; the source counts and logs these once per topic. */
export class PayloadError extends TimestampError {}

const QUALITIES = new Set<Quality>(['Good', 'Uncertain', 'Bad']);

function scalar(v: unknown): v is number | boolean | string {
  return (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'string';
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
 * where each field is a tag; a JSON array of such objects. Pushes into `out`; throws
 * {@link PayloadError} for a payload that yields nothing usable.
 */
export function decodePayload(route: Route, payload: Buffer, now: number, out: Sample[], flat = true): void {
  const m = route.mapping;
  const asset = route.asset;
  if (asset === undefined) throw new PayloadError('the topic mapping gives no asset ({asset} in the topic, or `asset:`)');
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
  if (Array.isArray(data)) {
    if (data.length === 0) throw new PayloadError('empty JSON array');
    for (const el of data) decodeObject(route, asset, el, now, out);
  } else if (scalar(data)) {
    if (route.tag === undefined) throw new PayloadError('a bare value needs the tag from the topic ({tag}) or `tag:`');
    push(out, tagRef(route, asset, route.tag), now, data, 'Good');
  } else decodeObject(route, asset, data, now, out);
}

function decodeObject(route: Route, asset: string, data: unknown, now: number, out: Sample[]): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new PayloadError(`expected a JSON object, got ${JSON.stringify(data)?.slice(0, 40)}`);
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
    if (!scalar(v)) throw new PayloadError(`field "${m.valueField}" must hold a number, boolean or string`);
    push(out, tagRef(route, asset, tag), ts, v, quality);
    return;
  }
  const before = out.length;
  const order = route.order;
  let i = 0;
  for (const k in o) {
    if (k === m.timestampField || k === 'quality') continue;
    const v = o[k];
    if (!scalar(v)) continue;
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
