import { describe, expect, it } from 'vitest';
import type { TopicMapping } from '../../../src/config/schema.js';
import type { Sample } from '../../../src/core/sample.js';
import { decodeFlatObject } from '../../../src/sources/mqtt/flat-json.js';
import { decodePayload } from '../../../src/sources/mqtt/payload.js';
import { TopicRouter } from '../../../src/sources/mqtt/topics.js';

const NOW = Date.UTC(2026, 10, 26);

/** Seeded generator: the same payloads on every run. */
function rng(seed: number) {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** Numbers as sensors and broken sensors write them, some of them not JSON at all. */
function numberText(r: () => number): string {
  const forms = [
    () => String(Math.floor(r() * 1000)),
    () => (r() * 200 - 100).toFixed(Math.floor(r() * 6)),
    () => `-0`,
    () => `0.${'0'.repeat(Math.floor(r() * 5))}${Math.floor(r() * 1e6)}`,
    () => String(Math.floor(r() * 1e16)) + '.' + Math.floor(r() * 100), // past 15 digits
    () => `${Math.floor(r() * 1e15)}`,
    () => `1.5e${Math.floor(r() * 10) - 5}`,
    () => `2E3`,
    () => `007`,
    () => `1.`,
    () => `.5`,
    () => `-`,
    () => String(1764115200000 + Math.floor(r() * 1000)),
    () => `1764115200.${Math.floor(r() * 1000)}`,
  ];
  // Mostly the plain forms (the first six, and timestamps), as a fleet sends them.
  const i = r() < 0.85 ? [0, 1, 2, 3, 5, 12, 13][Math.floor(r() * 7)]! : Math.floor(r() * forms.length);
  return forms[i]!();
}

function valueText(r: () => number, key: string): string {
  const x = r();
  if (x < 0.94) return numberText(r);
  if (x < 0.95) return key === 'ts' ? '"2026-11-26T08:00:00Z"' : '"Good"';
  if (x < 0.97) return ['true', 'false', 'null'][Math.floor(r() * 3)]!;
  if (x < 0.98) return '{"a":1}';
  if (x < 0.99) return '"bad"';
  return '[1]';
}

const KEYS = ['t0', 't1', 't2', 't3', 't4', 'ts', 'quality', 'value', 'tag', '1', 'é', 'a\\u0062', '__proto__', ''];
const WS = ['', '', '', ' ', '\n', '\t ', '\r\n'];

/**
 * Payloads in runs of one shape (a sensor repeats itself, which is what the decoder's field-order
 * cache and the byte path feed on), with shapes changing, keys repeated, whitespace, and broken
 * JSON mixed in.
 */
function* payloads(r: () => number, n: number, tagged: boolean): Generator<string> {
  let shape: string[] = [];
  const pick = (from: number, to: number) => KEYS[from + Math.floor(r() * (to - from))]!;
  for (let i = 0; i < n; i++) {
    if (i % 20 === 0 || r() < 0.05) {
      // Usually a sensor's shape: distinct fields, a timestamp first or not; sometimes any keys at all.
      if (r() < 0.75) {
        shape = [...new Set(Array.from({ length: 1 + Math.floor(r() * 5) }, () => pick(0, 5)))];
        if (tagged) shape.push('value');
        if (r() < 0.5) shape.unshift('ts');
      } else shape = Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(0, KEYS.length));
    }
    const w = () => (r() < 0.15 ? WS[Math.floor(r() * WS.length)]! : '');
    const keys = r() < 0.9 ? shape : [...shape].reverse();
    let body = `${w()}{${w()}${keys.map((k) => `"${k}"${w()}:${w()}${valueText(r, k)}${w()}`).join(`,${w()}`)}}${w()}`;
    const x = r();
    if (x < 0.02) body = body.slice(0, Math.floor(r() * body.length));
    else if (x < 0.03) body += 'x';
    else if (x < 0.04) body = body.replace('}', ',}');
    else if (x < 0.05) body = `[${body}]`;
    else if (x < 0.06) body = '{}';
    else if (x < 0.07) body = `\uFEFF${body}`;
    yield body;
  }
}

/** Samples with -0 told apart from 0 (toEqual would not). */
const show = (out: Sample[]) => out.map((s) => ({ ...s, value: Object.is(s.value, -0) ? '-0' : s.value }));

describe('flat JSON objects decoded from bytes', () => {
  const mappings: [string, Partial<TopicMapping>][] = [
    ['auto, ts auto', {}],
    ['json, ts in ms, a renamed field', { format: 'json', timestampUnit: 'ms', fields: { t1: 'x1' } }],
    ['ts in seconds', { timestampUnit: 's' }],
    ['ts must be ISO', { timestampUnit: 'iso' }],
  ];
  for (const [name, extra] of mappings) {
    it(`gives the general path's samples or error for every payload (${name})`, () => {
      const m = (topic: string): TopicMapping => ({ topic, format: 'auto', timestampField: 'ts', timestampUnit: 'auto', valueField: 'value', fields: {}, ...extra });
      const resolve = (k: string) => k.length; // any index: both paths must agree on it
      const fastRouter = new TopicRouter([m('s/{asset}/{tag}'), m('s/{asset}')]);
      const slowRouter = new TopicRouter([m('s/{asset}/{tag}'), m('s/{asset}')]);
      fastRouter.resolve = resolve;
      slowRouter.resolve = resolve;
      const r = rng(42);
      let viaBytes = 0;
      let total = 0;
      for (const topic of ['s/p-1', 's/p-1/t3']) {
        for (const text of payloads(r, 3000, topic === 's/p-1/t3')) {
          const buf = Buffer.from(text);
          const fast: Sample[] = [];
          const slow: Sample[] = [];
          let fastErr: string | undefined;
          let slowErr: string | undefined;
          const fr = fastRouter.route(topic)!;
          try {
            if (decodeFlatObject(fr, 'p-1', buf, NOW, fast)) viaBytes++;
            else decodePayload(fr, buf, NOW, fast, false);
          } catch (e) {
            fastErr = (e as Error).message;
          }
          try {
            decodePayload(slowRouter.route(topic)!, buf, NOW, slow, false);
          } catch (e) {
            slowErr = (e as Error).message;
          }
          expect({ text, out: show(fast), err: fastErr }).toEqual({ text, out: show(slow), err: slowErr });
          total++;
        }
      }
      // The byte path did take its share (else this compared the general path with itself).
      expect(viaBytes).toBeGreaterThan(total * 0.1);
    });
  }

  it('takes the sensor fleet payloads from bytes once the route has seen their shape', () => {
    const router = new TopicRouter([{ topic: 's/{asset}', format: 'auto', timestampField: 'ts', timestampUnit: 'auto', valueField: 'value', fields: {} }]);
    router.resolve = () => 7;
    const route = router.route('s/a12')!;
    const out: Sample[] = [];
    const payload = Buffer.from('{"ts":1764115200123,"t0":51.23,"t1":-0.5,"t2":7}');
    expect(decodeFlatObject(route, 'a12', payload, NOW, out)).toBe(false); // a new shape: the general path learns it
    decodePayload(route, payload, NOW, out);
    out.length = 0;
    expect(decodeFlatObject(route, 'a12', payload, NOW, out)).toBe(true);
    expect(out).toEqual([
      { tag: 'a12/t0', ts: 1764115200123, value: 51.23, quality: 'Good', index: 7 },
      { tag: 'a12/t1', ts: 1764115200123, value: -0.5, quality: 'Good', index: 7 },
      { tag: 'a12/t2', ts: 1764115200123, value: 7, quality: 'Good', index: 7 },
    ]);
  });

  it('leaves to JSON.parse what only it reads right: escapes, and names that sort as array indices', () => {
    const cases = [
      // The route remembers the field `a\b` (decoded); `"a\b"` in the next payload is "a", backspace.
      ['{"a\\\\b":1}', '{"a\\b":2}'],
      // Remembered order [3, 5], then [t0, 5]; for `{"t0":..,"5":..}` JSON.parse puts "5" first.
      ['{"3":1,"5":2}', '{"t0":3}', '{"t0":4,"5":5}'],
    ];
    for (const seq of cases) {
      const mk = () => {
        const router = new TopicRouter([{ topic: 's/{asset}', format: 'auto', timestampField: 'ts', timestampUnit: 'auto', valueField: 'value', fields: {} }]);
        router.resolve = () => 1;
        return router.route('s/p-1')!;
      };
      const fast = mk();
      const slow = mk();
      for (const text of seq) {
        const a: Sample[] = [];
        const b: Sample[] = [];
        decodePayload(fast, Buffer.from(text), NOW, a);
        decodePayload(slow, Buffer.from(text), NOW, b, false);
        expect({ text, out: a }).toEqual({ text, out: b });
      }
    }
  });

  it('never matches a remembered name that JSON escapes against the same bytes written raw', () => {
    // `{"a\"b":1}` teaches the route the field a"b; `{"a"b":2}` spells it raw, which is no JSON.
    const cases = [
      ['{"a\\"b":1}', '{"a"b":2}'],
      ['{"a\\u0001b":1}', '{"a\u0001b":2}'],
    ];
    for (const [learn, raw] of cases) {
      const router = new TopicRouter([{ topic: 's/{asset}', format: 'auto', timestampField: 'ts', timestampUnit: 'auto', valueField: 'value', fields: {} }]);
      router.resolve = () => 1;
      const route = router.route('s/p-1')!;
      const learnt: Sample[] = [];
      decodePayload(route, Buffer.from(learn!), NOW, learnt);
      expect(learnt).toHaveLength(1);
      const out: Sample[] = [];
      expect(decodeFlatObject(route, 'p-1', Buffer.from(raw!), NOW, out)).toBe(false);
      expect(out).toEqual([]);
      expect(() => decodePayload(route, Buffer.from(raw!), NOW, [])).toThrow(/invalid JSON/);
    }
  });
});
