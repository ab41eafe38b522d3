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

// The number parseNumber() last read and where it ended (module state: no object per value). The
// number sits in a typed array: a double kept in a module variable is boxed, a heap object per store.
const num = new Float64Array(1);
let numEnd = 0;

function skipWs(b: Buffer, p: number): number {
  for (;;) {
    const c = b[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return p;
    p++;
  }
}

/**
 * Reads a JSON number at `p` into `num[0]` / `numEnd`: only the plain decimal forms a sensor sends
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
  num[0] = neg ? -v : v;
  numEnd = p;
  return true;
}

/** Takes back what a payload pushed before the byte path gave up on it. */
function undo(out: Sample[], before: number): false {
  out.length = before;
  return false;
}

/** `b` holds `bytes` from `at` on. */
function startsWith(b: Buffer, at: number, bytes: Buffer): boolean {
  // The length read once: a typed array's length, read in the loop condition, costs more than the compare.
  const n = bytes.length;
  for (let i = 0; i < n; i++) if (b[at + i] !== bytes[i]) return false;
  return true;
}

/** `b[start, end)` is exactly `key`. */
function sameBytes(b: Buffer, start: number, end: number, key: Buffer | undefined): boolean {
  return key !== undefined && key.length === end - start && startsWith(b, start, key);
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
  const fb = route.fieldBytes;
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
    // The field the route's payloads carry at this place, name and closing quote compared in one
    // pass (the common case); any other name is scanned, then compared with the ones we know.
    const expected = tagged || i >= MAX_ORDER ? undefined : route.orderBytes[i];
    const inOrder = expected !== undefined && startsWith(b, ks, expected);
    if (inOrder) ke = ks + expected.length - 1;
    else {
      for (let c = b[ke]; c !== QUOTE; c = b[++ke]) if (c === undefined || c === BACKSLASH || c < 0x20) return undo(out, before);
      // A name like "12" sorts first among an object's keys: the general path keeps that order.
      if (ke === ks || (b[ks]! >= 0x30 && b[ks]! <= 0x39)) return undo(out, before);
    }
    // Whitespace between tokens is allowed and rare: each place checks for its token first.
    p = ke + 1;
    if (b[p] !== COLON && b[(p = skipWs(b, p))] !== COLON) return undo(out, before);
    p++;
    if (!parseNumber(b, p) && !parseNumber(b, skipWs(b, p))) return undo(out, before);
    p = numEnd;
    const v = num[0]!;
    if (inOrder) {
      // (The order never holds the timestamp field or `quality`: the general path skips both.)
      push(out, route.orderRefs[i]!, now, v, 'Good');
      i++;
    } else if (sameBytes(b, ks, ke, fb.ts)) ts = v;
    else if (sameBytes(b, ks, ke, QUALITY)) {
      // A number is no quality: the general path ignores it too.
    } else if (tagged) {
      if (sameBytes(b, ks, ke, fb.value)) value = v;
    } else return undo(out, before); // a field the order does not have here: the general path relearns it
    let c = b[p];
    if (c !== COMMA && c !== CLOSE) c = b[(p = skipWs(b, p))];
    if (c === COMMA) {
      if (b[++p] !== QUOTE) p = skipWs(b, p);
      continue;
    }
    if (c !== CLOSE || skipWs(b, p + 1) !== n) return undo(out, before);
    break;
  }
  if (tagged ? value === undefined : out.length === before) return undo(out, before);
  let at = now;
  if (ts !== undefined) {
    try {
      at = parseTimestamp(ts, route.mapping.timestampUnit);
    } catch {
      return undo(out, before);
    }
    for (let k = before; k < out.length; k++) out[k]!.ts = at;
  }
  if (tagged) push(out, tagRef(route, asset, route.tag!), at, value!, 'Good');
  return true;
}
