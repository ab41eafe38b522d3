import type { Quality, Sample } from '../../core/sample.js';
import { NO_ORDER, type Route, type TagRef } from './topics.js';

/** Bounds each route's key cache: field names come from payloads, which a broken sensor can vary endlessly. */
export const MAX_KEYS_PER_ROUTE = 1024;
/** Fields remembered in payload order per route (see {@link Route.order}). */
export const MAX_ORDER = 64;

function ref(route: Route, key: string): TagRef {
  return { key, index: route.resolve(key) };
}

/** The tag `tag` of the route's asset, resolved once per route (see {@link Route.ref}). */
export function tagRef(route: Route, asset: string, tag: string): TagRef {
  if (tag === route.tag) return (route.ref ??= ref(route, `${asset}/${tag}`));
  const keys = (route.keys ??= new Map());
  let r = keys.get(tag);
  if (r === undefined) {
    r = ref(route, `${asset}/${tag}`);
    if (keys.size < MAX_KEYS_PER_ROUTE) keys.set(tag, r);
  }
  return r;
}

/**
 * The key of a JSON field's tag: `fields:` renames it, otherwise the field names the tag. Cached
 * per field, so the rename table (a keyed lookup with ever-changing keys) is read once per field;
 * own properties only, so a field called `constructor` names a tag, not Object's prototype.
 */
export function fieldRef(route: Route, asset: string, field: string): TagRef {
  const known = (route.fieldKeys ??= new Map());
  let r = known.get(field);
  if (r === undefined) {
    const fields = route.mapping.fields;
    r = ref(route, `${asset}/${Object.hasOwn(fields, field) ? fields[field] : field}`);
    if (known.size < MAX_KEYS_PER_ROUTE) known.set(field, r);
  }
  return r;
}

/**
 * {@link asWritten}'s results, shared by every route: a fleet's sensors send the same few field
 * names, and the decoder then compares each message with the same few buffers, which stay in the
 * CPU cache, instead of one set per topic (1,000 routes' worth of them missed the cache on almost
 * every field). Bounded: field names come from payloads.
 */
const written = new Map<string, Buffer>();
const MAX_SHARED_NAMES = 10_000;

/**
 * A field name as a payload writes it, UTF-8 and then its closing quote; undefined when the bytes
 * of the name alone cannot be what a payload carries (a quote, backslash or control character,
 * which JSON escapes) or when the flat decoder leaves such a field to the general path (a name
 * starting with a digit: an object lists those first, not in payload order).
 */
function asWritten(k: string): Buffer | undefined {
  const c = k.charCodeAt(0);
  if (k === '' || (c >= 0x30 && c <= 0x39) || /["\\\u0000-\u001f]/.test(k)) return undefined;
  let b = written.get(k);
  if (b === undefined) {
    b = Buffer.from(`${k}"`, 'utf8');
    if (written.size < MAX_SHARED_NAMES) written.set(k, b);
  }
  return b;
}

/** Remembers that the route's payloads carry field `k` (tag `r`) at position `i`. */
export function rememberOrder(route: Route, i: number, k: string, r: TagRef): void {
  if (route.order === NO_ORDER) {
    route.order = [];
    route.orderRefs = [];
    route.orderBytes = [];
  }
  route.order[i] = k;
  route.orderRefs[i] = r;
  route.orderBytes[i] = asWritten(k);
  route.orderDup = new Set(route.order).size !== route.order.length;
}

export function push(out: Sample[], r: TagRef, ts: number, value: number | boolean | string, quality: Quality): void {
  out.push({ tag: r.key, ts, value, quality, index: r.index });
}
