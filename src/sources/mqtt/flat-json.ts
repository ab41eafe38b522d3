import type { Sample } from '../../core/sample.js';
import { parseTimestamp } from '../../core/timestamp.js';
import { MAX_ORDER, push, tagRef } from './tag-refs.js';
import type { Route } from './topics.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const BACKSLASH = 0x5c;
const QUALITY = Buffer.from('quality');

/** 10^k for k ≤ 15: exact doubles, so m / 10^k with m < 2^53 rounds like a full decimal parse. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

// The number parseNumber() last read and where it ended (module state: no object per value).
let num = 0;
let numEnd = 0;

function skipWs(b: Buffer, p: number): number {
  for (;;) {
    const c = b[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return p;
    p++;
  }
}

/**
 * Reads a JSON number at `p` into `num` / `numEnd`: only the plain decimal forms a sensor sends
 * (`-12`, `51.23`, at most 15 digits, no exponent), which the division below converts exactly as
 * JSON.parse does. False for anything else, which the caller leaves to JSON.parse.
 */
function parseNumber(b: Buffer, p: number): boolean {
  let neg = false;
  if (b[p] === 0x2d) (neg = true), p++;
  let c = b[p];
  if (c === undefined || c < 0x30 || c > 0x39) return false;
  let mant = 0;
  let digits = 0;
  let frac = 0;
  if (c === 0x30) {
    c = b[++p];
    if (c !== undefined && c >= 0x30 && c <= 0x39) return false; // leading zero: not JSON
  } else {
    while (c !== undefined && c >= 0x30 && c <= 0x39) (mant = mant * 10 + (c - 0x30)), digits++, (c = b[++p]);
  }
  if (c === 0x2e) {
    c = b[++p];
    if (c === undefined || c < 0x30 || c > 0x39) return false;
    while (c !== undefined && c >= 0x30 && c <= 0x39) (mant = mant * 10 + (c - 0x30)), digits++, frac++, (c = b[++p]);
  }
  if (c === 0x65 || c === 0x45 || digits > 15) return false;
  const v = frac === 0 ? mant : mant / POW10[frac]!;
  num = neg ? -v : v;
  numEnd = p;
  return true;
}

/** Takes back what a payload pushed before the byte path gave up on it. */
function undo(out: Sample[], before: number): false {
  out.length = before;
  return false;
}

function sameBytes(b: Buffer, start: number, end: number, key: Buffer | undefined): boolean {
  if (key === undefined || key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (b[start + i] !== key[i]) return false;
  return true;
}

/**
 * Decodes the payload every sensor of a fleet sends thousands of times a second, a flat JSON
 * object of numbers (`{"ts":…,"t0":51.2,…}` or `{"value":51.2}`), straight from its bytes: no
 * string, no parsed object. Field names are compared with the fields the route's previous
 * payloads carried in the same order ({@link Route.order}). Anything else (a new field or order,
 * a string or boolean, escapes, exponents, a field name starting with a digit, quality,
 * malformed JSON) returns false with `out` as it was, and the caller decodes the payload the
 * general way, which yields the same samples or the error: the differential test holds it to that.
 */
export function decodeFlatObject(route: Route, asset: string, b: Buffer, now: number, out: Sample[]): boolean {
  const n = b.length;
  let p = skipWs(b, 0);
  if (b[p] !== OPEN) return false;
  p = skipWs(b, p + 1);
  if (b[p] === CLOSE) return false;
  const m = route.mapping;
  const fb = (route.fieldBytes ??= { value: Buffer.from(m.valueField, 'utf8'), ts: Buffer.from(m.timestampField, 'utf8') });
  const tagged = route.tag !== undefined;
  if (!tagged && route.orderDup) return false;
  const before = out.length;
  let ts: number | undefined;
  let value: number | undefined;
  let i = 0;
  for (;;) {
    if (b[p] !== QUOTE) return undo(out, before);
    const ks = p + 1;
    let ke = ks;
    for (let c = b[ke]; c !== QUOTE; c = b[++ke]) if (c === undefined || c === BACKSLASH || c < 0x20) return undo(out, before);
    // A name like "12" sorts first among an object's keys: the general path keeps that order.
    if (ke === ks || (b[ks]! >= 0x30 && b[ks]! <= 0x39)) return undo(out, before);
    p = skipWs(b, ke + 1);
    if (b[p] !== COLON) return undo(out, before);
    if (!parseNumber(b, skipWs(b, p + 1))) return undo(out, before);
    p = skipWs(b, numEnd);
    if (sameBytes(b, ks, ke, fb.ts)) ts = num;
    else if (sameBytes(b, ks, ke, QUALITY)) {
      // A number is no quality: the general path ignores it too.
    } else if (tagged) {
      if (sameBytes(b, ks, ke, fb.value)) value = num;
    } else {
      if (i >= MAX_ORDER || !sameBytes(b, ks, ke, route.orderBytes[i])) return undo(out, before);
      push(out, route.orderRefs[i]!, now, num, 'Good');
      i++;
    }
    if (b[p] === COMMA) {
      p = skipWs(b, p + 1);
      continue;
    }
    if (b[p] !== CLOSE || skipWs(b, p + 1) !== n) return undo(out, before);
    break;
  }
  if (tagged ? value === undefined : out.length === before) return undo(out, before);
  let at = now;
  if (ts !== undefined) {
    try {
      at = parseTimestamp(ts, m.timestampUnit);
    } catch {
      return undo(out, before);
    }
    for (let k = before; k < out.length; k++) out[k]!.ts = at;
  }
  if (tagged) push(out, tagRef(route, asset, route.tag!), at, value!, 'Good');
  return true;
}
