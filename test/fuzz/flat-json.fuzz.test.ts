import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TopicMapping } from '../../src/config/schema.js';
import type { Sample } from '../../src/core/sample.js';
import { parseTimestamp } from '../../src/core/timestamp.js';
import { decodeFlatObject } from '../../src/sources/mqtt/flat-json.js';
import { decodePayload } from '../../src/sources/mqtt/payload.js';
import { TopicRouter, type Route } from '../../src/sources/mqtt/topics.js';
import { report, RUNS } from './runs.js';

/**
 * Fuzz: the flat-JSON byte decoder (src/sources/mqtt/flat-json.ts) against JSON.parse. For every
 * input, what the byte path accepts is exactly what JSON.parse reads (same fields, same values, -0
 * told apart, the same timestamp), and whatever JSON.parse refuses the byte path refuses too
 * (leaving the payload to the general decoder, `out` untouched). Then the whole decoder with the
 * byte path against the general path alone, over sequences of payloads on one topic (the byte
 * path feeds on the field order earlier payloads taught the route): same samples or same error.
 */
const NOW = Date.UTC(2026, 10, 26);

const mapping = (topic: string, extra: Partial<TopicMapping>): TopicMapping => ({ topic, format: 'auto', timestampField: 'ts', timestampUnit: 'auto', valueField: 'value', fields: {}, ...extra });
const MAPPINGS: Partial<TopicMapping>[] = [{}, { format: 'json', timestampUnit: 'ms', fields: { t1: 'x1' } }, { timestampUnit: 's' }, { timestampUnit: 'iso' }];

/** Numbers as sensors write them, and as broken ones do. */
const numberText = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1e6, max: 1e6 }).map(String) },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.nat(999999)).map(([a, b]) => `${a}.${b}`) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-0', '0', '-0.0', '007', '1.', '.5', '-', '1e400', '-1e400', '2E3', '1.5e-3', '0.000001', '1764115200.123', '9007199254740993', '123456789012345.6') },
);

const KEYS = ['t0', 't1', 't2', 't3', 'ts', 'quality', 'value', 'tag', '1', 'é', '__proto__', '', 'a\\u0062', 'a"b'];
const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KEYS.slice(0, 7)) }, { weight: 1, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) });
const ws = fc.oneof({ weight: 30, arbitrary: fc.constantFrom('', '', '', '', ' ', '\n', '\t', '\r\n') }, { weight: 1, arbitrary: fc.constant('\u00a0') });
const value = fc.oneof({ weight: 12, arbitrary: numberText }, { weight: 1, arbitrary: fc.constantFrom('true', 'null', '"x"', '"2026-11-26T08:00:00Z"', '{"a":1}', '[1]', '[]', '{}') });

/** A flat object as text, with whitespace here and there and keys written raw or escaped. */
const flatObject = fc
  .tuple(fc.array(fc.tuple(key, value, ws, ws, fc.boolean()), { minLength: 0, maxLength: 7 }), ws, ws)
  .map(([fields, a, b]) => `${a}{${fields.map(([k, v, w1, w2, raw]) => `${w1}${raw ? `"${k}"` : JSON.stringify(k)}${w2}:${w1}${v}${w2}`).join(',')}}${b}`);

/** One mutation of a text: a byte inserted, deleted or replaced, or the text cut. */
const mutated = fc.tuple(flatObject, fc.nat(), fc.constantFrom('insert', 'delete', 'replace', 'cut'), fc.constantFrom('{', '}', '"', ',', ':', '\\', '-', '.', 'e', '0', '9', ' ', '\u0000', 'é', '[')).map(([t, at, op, c]) => {
  const i = t.length === 0 ? 0 : at % t.length;
  if (op === 'insert') return t.slice(0, i) + c + t.slice(i);
  if (op === 'delete') return t.slice(0, i) + t.slice(i + 1);
  if (op === 'replace') return t.slice(0, i) + c + t.slice(i + 1);
  return t.slice(0, i);
});

const payload = fc.oneof({ weight: 6, arbitrary: flatObject }, { weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: fc.json() }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });

/** Mostly the plain numbers a fleet sends (the byte path's case), now and then anything. */
const sensorNumber = fc.oneof({ weight: 9, arbitrary: fc.oneof(fc.integer({ min: -9999, max: 9999 }).map(String), fc.tuple(fc.integer({ min: -999, max: 999 }), fc.nat(9999)).map(([a, b]) => `${a}.${b}`)) }, { weight: 1, arbitrary: numberText });

/**
 * What one sensor sends: payloads of one shape (its fields, in its order) with fresh values, the
 * case the byte path is made for, mixed with the odd broken, reordered or foreign payload.
 */
const sensorSequence = fc
  .tuple(
    fc.uniqueArray(fc.constantFrom('t0', 't1', 't2', 't3', 'ts', 'value', 'quality'), { minLength: 1, maxLength: 6 }),
    fc.array(fc.oneof({ weight: 8, arbitrary: fc.tuple(fc.array(sensorNumber, { minLength: 7, maxLength: 7 }), fc.constantFrom('', '', '', '', '', ' ', '\n')) }, { weight: 2, arbitrary: payload }), { minLength: 1, maxLength: 16 }),
  )
  .map(([shape, items]) => items.map((it) => (typeof it === 'string' ? it : `{${shape.map((k, i) => `"${k}":${it[1]}${it[0][i]}`).join(',')}}`)));

/** The samples the general decoder makes of what JSON.parse read, for an object of numbers. */
function fromParse(obj: Record<string, unknown>, route: Route, m: TopicMapping): { tag: string; value: unknown; ts: number }[] {
  const ts = obj.ts === undefined ? NOW : parseTimestamp(obj.ts, m.timestampUnit);
  if (route.tag !== undefined) return [{ tag: `p-1/${route.tag}`, value: obj.value, ts }];
  return Object.keys(obj)
    .filter((k) => k !== 'ts' && k !== 'quality')
    .map((k) => ({ tag: `p-1/${Object.hasOwn(m.fields, k) ? m.fields[k] : k}`, value: obj[k], ts }));
}

const show = (s: { tag: string; value: unknown; ts: number }[]) => s.map((x) => ({ tag: x.tag, ts: x.ts, value: Object.is(x.value, -0) ? '-0' : x.value }));

describe('flat-JSON decoder fuzzed against JSON.parse', () => {
  it(`accepts only what JSON.parse reads, with the same fields and values, and refuses what it refuses (${RUNS} sequences)`, () => {
    const counts = { payloads: 0, 'read from bytes': 0, 'refused by JSON.parse': 0, 'left to the general path': 0 };
    fc.assert(
      fc.property(fc.constantFrom(...MAPPINGS), fc.boolean(), sensorSequence, (extra, tagged, texts) => {
        const m = mapping(tagged ? 's/{asset}/t3' : 's/{asset}', extra);
        const router = new TopicRouter([m]);
        const route = router.route(tagged ? 's/p-1/t3' : 's/p-1')!;
        for (const text of texts) {
          counts.payloads++;
          const buf = Buffer.from(text);
          let parsed: unknown;
          let parseFailed = false;
          try {
            parsed = JSON.parse(text);
          } catch {
            parseFailed = true;
          }
          const out: Sample[] = [{ tag: 'sentinel', ts: 0, value: 0, quality: 'Good' }];
          const viaBytes = decodeFlatObject(route, 'p-1', buf, NOW, out);
          if (parseFailed) {
            counts['refused by JSON.parse']++;
            expect(viaBytes).toBe(false);
          }
          if (!viaBytes) {
            expect(out).toHaveLength(1); // untouched
            counts['left to the general path']++;
            // Teach the route as the general path would (the byte path relies on that order).
            try {
              decodePayload(route, buf, NOW, [], false);
            } catch {
              // refused by the general path too: fine here, compared below
            }
            continue;
          }
          counts['read from bytes']++;
          expect(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)).toBe(true);
          const obj = parsed as Record<string, unknown>;
          for (const v of Object.values(obj)) expect(typeof v).toBe('number');
          expect(show(out.slice(1))).toEqual(show(fromParse(obj, route, m)));
          expect(out.slice(1).every((s) => s.quality === 'Good')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    report('flat-JSON decoder against JSON.parse', counts);
    // Both sides of the comparison are exercised, not just one.
    expect(counts['read from bytes']).toBeGreaterThan(RUNS);
    expect(counts['refused by JSON.parse']).toBeGreaterThan(RUNS / 2);
  });

  it(`decodes every payload sequence as the general path alone does: same samples or same error (${RUNS} sequences)`, () => {
    let payloads = 0;
    let errors = 0;
    fc.assert(
      fc.property(fc.constantFrom(...MAPPINGS), fc.boolean(), sensorSequence, (extra, tagged, texts) => {
        const topic = tagged ? 's/p-1/t3' : 's/p-1';
        const maps = [mapping('s/{asset}/{tag}', extra), mapping('s/{asset}', extra)];
        const fast = new TopicRouter(maps);
        const slow = new TopicRouter(maps);
        fast.resolve = slow.resolve = (k) => k.length;
        for (const text of texts) {
          payloads++;
          const run = (r: TopicRouter, flat: boolean) => {
            const out: Sample[] = [];
            try {
              decodePayload(r.route(topic)!, Buffer.from(text), NOW, out, flat);
              return { out: show(out.map((s) => ({ ...s, tag: `${s.tag}|${s.quality}|${s.index}` }))), err: undefined };
            } catch (e) {
              return { out: show(out.map((s) => ({ ...s, tag: `${s.tag}|${s.quality}|${s.index}` }))), err: (e as Error).message };
            }
          };
          const a = run(fast, true);
          const b = run(slow, false);
          if (b.err) errors++;
          expect(a).toEqual(b);
        }
      }),
      { numRuns: RUNS },
    );
    report('MQTT payload decoder, byte path against the general path', { payloads, 'refused or partly unusable': errors });
  });
});
