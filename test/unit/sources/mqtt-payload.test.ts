import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/core/sample.js';
import { decodePayload, parseTimestamp, PayloadError } from '../../../src/sources/mqtt/payload.js';
import { TopicRouter } from '../../../src/sources/mqtt/topics.js';
import type { TopicMapping } from '../../../src/config/schema.js';

const m = (topic: string, extra: Partial<TopicMapping> = {}): TopicMapping => ({
  topic,
  format: 'auto',
  timestampField: 'ts',
  timestampUnit: 'auto',
  valueField: 'value',
  fields: {},
  ...extra,
});
const NOW = Date.UTC(2026, 10, 25);

function decode(topic: string, payload: string, mappings: TopicMapping[]): Sample[] {
  const r = new TopicRouter(mappings).route(topic);
  if (!r) throw new Error('no route');
  const out: Sample[] = [];
  decodePayload(r, Buffer.from(payload), NOW, out);
  return out;
}

/** Decodes a payload that may be partly unusable: what was kept, and the error that says what was not. */
function decodeKept(topic: string, payload: string, mappings: TopicMapping[]): { out: Sample[]; err: PayloadError | undefined } {
  const out: Sample[] = [];
  try {
    decodePayload(new TopicRouter(mappings).route(topic)!, Buffer.from(payload), NOW, out);
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    return { out, err: e };
  }
  return { out, err: undefined };
}

describe('topic router', () => {
  const router = new TopicRouter([m('plant/{asset}/telemetry', { format: 'json' }), m('plant/{asset}/{tag}'), m('legacy/+/temp', { asset: 'p-9', tag: 'temp' }), m('deep/{asset}/#', { tag: 'x' })]);
  it('captures asset and tag, honours + and #, and makes subscription filters', () => {
    expect(router.route('plant/p-1/telemetry')).toMatchObject({ asset: 'p-1', tag: undefined });
    expect(router.route('plant/p-1/bearing_temp')).toMatchObject({ asset: 'p-1', tag: 'bearing_temp' });
    expect(router.route('legacy/anything/temp')).toMatchObject({ asset: 'p-9', tag: 'temp' });
    expect(router.route('deep/p-2/a/b/c')).toMatchObject({ asset: 'p-2', tag: 'x' });
    expect(router.route('plant/p-1')).toBeNull();
    expect(router.filters).toEqual(['plant/+/telemetry', 'plant/+/+', 'legacy/+/temp', 'deep/+/#']);
  });
});

describe('payload decoding', () => {
  const maps = [m('plant/{asset}/telemetry', { format: 'json', fields: { temp: 'bearing_temp' } }), m('plant/{asset}/{tag}')];

  it('reads a bare number and true/false', () => {
    expect(decode('plant/p-1/vibration', ' 2.5\n', maps)).toEqual([{ tag: 'p-1/vibration', ts: NOW, value: 2.5, quality: 'Good' }]);
    expect(decode('plant/p-1/running', 'true', maps)[0]!.value).toBe(true);
  });

  it('reads an object of fields with a timestamp, mapping field names', () => {
    const out = decode('plant/p-1/telemetry', JSON.stringify({ ts: 1764072000, temp: 71.5, vibration: 2 }), maps);
    expect(out).toEqual([
      { tag: 'p-1/bearing_temp', ts: 1764072000_000, value: 71.5, quality: 'Good' },
      { tag: 'p-1/vibration', ts: 1764072000_000, value: 2, quality: 'Good' },
    ]);
  });

  it('counts each field that holds no value as a Bad sample of its tag, keeps the good fields, and says so', () => {
    const { out, err } = decodeKept('plant/p-1/telemetry', '{"ts":1764072000,"temp":71.5,"nested":{"a":1},"list":[1,2],"gone":null,"huge":1e400,"vibration":2}', maps);
    expect(out.map((s) => [s.tag, s.value, s.quality, s.reason])).toEqual([
      ['p-1/bearing_temp', 71.5, 'Good', undefined],
      ['p-1/nested', '{object}', 'Bad', 'not_a_scalar'],
      ['p-1/list', '[array]', 'Bad', 'not_a_scalar'],
      ['p-1/gone', 'null', 'Bad', 'no_value'],
      ['p-1/huge', 'Infinity', 'Bad', 'not_finite'],
      ['p-1/vibration', 2, 'Good', undefined],
    ]);
    expect(err).toBeInstanceOf(PayloadError);
    expect(err?.message).toBe('4 unusable parts (the rest kept): field "nested" holds {object} (not_a_scalar)');
    // Strings and booleans are values: the pipeline judges them against the tag's type.
    expect(decode('plant/p-1/telemetry', '{"temp":"hot","running":true}', maps).map((s) => [s.value, s.quality])).toEqual([
      ['hot', 'Good'],
      [true, 'Good'],
    ]);
    // A single-tag topic's value field likewise.
    expect(decodeKept('plant/p-1/temp', '{"value": -1e999}', maps).out).toEqual([{ tag: 'p-1/temp', ts: NOW, value: '-Infinity', quality: 'Bad', reason: 'not_finite' }]);
  });

  it('keeps the good elements of an array, refuses the bad ones with a count, and never walks a deep value', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const { out, err } = decodeKept('plant/p-1/telemetry', `[{"temp":1},${deep},{"temp":2,"deep":${deep}},7,{"ts":"yesterday","temp":3}]`, maps);
    expect(out.map((s) => `${s.tag}=${s.value}`)).toEqual(['p-1/bearing_temp=1', 'p-1/bearing_temp=2', 'p-1/deep=[array]']);
    expect(err?.message).toBe('4 unusable parts (the rest kept): element 1: expected a JSON object, got an array of 1');
    const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    expect(decodeKept('plant/p-1/telemetry', `{"temp":4,"x":${objects}}`, maps).out.map((s) => s.value)).toEqual([4, '{object}']);
  });

  it('refuses a payload larger than maxPayload whole', () => {
    const big = `{"temp":1,"pad":"${'x'.repeat(100)}"}`;
    const small = [m('plant/{asset}/telemetry', { format: 'json', maxPayload: 64 })];
    const { out, err } = decodeKept('plant/p-1/telemetry', big, small);
    expect(out).toEqual([]);
    expect(err?.message).toMatch(/^payload of 119 bytes is larger than maxPayload \(64 bytes\); refused whole$/);
    expect(decode('plant/p-1/telemetry', big, maps)).toHaveLength(2); // default 1 MiB
  });

  it('reads an array of objects and a value object for a single-tag topic', () => {
    expect(decode('plant/p-1/telemetry', '[{"ts":"2026-11-25T10:00:00Z","temp":1},{"ts":"2026-11-25T10:00:01Z","temp":2}]', maps).map((s) => [s.ts, s.value])).toEqual([
      [Date.parse('2026-11-25T10:00:00Z'), 1],
      [Date.parse('2026-11-25T10:00:01Z'), 2],
    ]);
    expect(decode('plant/p-1/temp', '{"value": 3, "quality": "Uncertain"}', maps)).toEqual([{ tag: 'p-1/temp', ts: NOW, value: 3, quality: 'Uncertain' }]);
  });

  it('gives the same keys on every message of a route (cached), and a field named like an Object member names its own tag', () => {
    const router = new TopicRouter(maps);
    const keys = () => {
      const out: Sample[] = [];
      decodePayload(router.route('plant/p-1/telemetry')!, Buffer.from('{"temp": 1, "constructor": 2}'), NOW, out);
      decodePayload(router.route('plant/p-1/vibration')!, Buffer.from('3'), NOW, out);
      return out.map((s) => s.tag);
    };
    expect(keys()).toEqual(['p-1/bearing_temp', 'p-1/constructor', 'p-1/vibration']);
    expect(keys()).toEqual(['p-1/bearing_temp', 'p-1/constructor', 'p-1/vibration']);
  });

  it("resolves each tag's catalog index once, through the router's resolver, and passes it with the sample", () => {
    const router = new TopicRouter(maps);
    const asked: string[] = [];
    const index: Record<string, number> = { 'p-1/bearing_temp': 7, 'p-1/vibration': 3 };
    router.resolve = (key) => (asked.push(key), index[key]);
    const out: Sample[] = [];
    for (let i = 0; i < 3; i++) {
      decodePayload(router.route('plant/p-1/telemetry')!, Buffer.from('{"temp": 1, "other": 2}'), NOW, out);
      decodePayload(router.route('plant/p-1/vibration')!, Buffer.from('3'), NOW, out);
    }
    expect(out.slice(0, 3).map((s) => [s.tag, s.index])).toEqual([
      ['p-1/bearing_temp', 7],
      ['p-1/other', undefined],
      ['p-1/vibration', 3],
    ]);
    expect(asked.sort()).toEqual(['p-1/bearing_temp', 'p-1/other', 'p-1/vibration']);
  });

  it('maps every field to its own tag whatever the order and set of fields from one message to the next', () => {
    const router = new TopicRouter(maps);
    const route = router.route('plant/p-1/telemetry')!;
    const payloads = ['{"temp":1,"vibration":2}', '{"vibration":3,"temp":4}', '{"temp":5}', '{"speed":6,"temp":7,"vibration":8}', '{"temp":9,"vibration":10}'];
    const got = payloads.map((p) => {
      const out: Sample[] = [];
      decodePayload(route, Buffer.from(p), NOW, out);
      return out.map((x) => `${x.tag}=${x.value}`).join(' ');
    });
    expect(got).toEqual([
      'p-1/bearing_temp=1 p-1/vibration=2',
      'p-1/vibration=3 p-1/bearing_temp=4',
      'p-1/bearing_temp=5',
      'p-1/speed=6 p-1/bearing_temp=7 p-1/vibration=8',
      'p-1/bearing_temp=9 p-1/vibration=10',
    ]);
  });

  it('keeps what each route learns to itself although new routes share their empty state', () => {
    const router = new TopicRouter(maps);
    const decodeOn = (topic: string, p: string) => {
      const out: Sample[] = [];
      decodePayload(router.route(topic)!, Buffer.from(p), NOW, out);
      return out.map((x) => `${x.tag}=${x.value}`).join(' ');
    };
    // Two routes learn different field orders (and `p-3` learns none) through the same router.
    expect(decodeOn('plant/p-1/telemetry', '{"temp":1,"speed":2}')).toBe('p-1/bearing_temp=1 p-1/speed=2');
    expect(decodeOn('plant/p-2/telemetry', '{"speed":3,"vibration":4}')).toBe('p-2/speed=3 p-2/vibration=4');
    expect(decodeOn('plant/p-1/telemetry', '{"temp":5,"speed":6}')).toBe('p-1/bearing_temp=5 p-1/speed=6');
    expect(decodeOn('plant/p-2/telemetry', '{"speed":7,"vibration":8}')).toBe('p-2/speed=7 p-2/vibration=8');
    expect(router.route('plant/p-3/telemetry')!.order).toEqual([]);
    expect(decodeOn('plant/p-3/telemetry', '{"vibration":9}')).toBe('p-3/vibration=9');
    expect(router.route('plant/p-1/telemetry')!.order).toEqual(['temp', 'speed']);
    expect(router.route('plant/p-2/telemetry')!.order).toEqual(['speed', 'vibration']);
    expect(router.route('plant/p-4/telemetry')!.order).toEqual([]);
  });

  it('refuses malformed payloads with a reason', () => {
    expect(() => decode('plant/p-1/vibration', 'abc', maps)).toThrow(PayloadError);
    expect(() => decode('plant/p-1/telemetry', '{"temp": ', maps)).toThrow(/invalid JSON/);
    expect(() => decode('plant/p-1/telemetry', '{"ts": 1}', maps)).toThrow(/no value fields/);
    // A PayloadError, as the source counts it (any other error would escape the message handler).
    expect(() => decode('plant/p-1/telemetry', '{"ts": "yesterday", "temp": 1}', maps)).toThrow(PayloadError);
    expect(() => decode('plant/p-1/telemetry', '{"ts": "yesterday", "temp": 1}', maps)).toThrow(/timestamp/);
    expect(() => decode('plant/p-1/temp', '{"value": null}', maps)).toThrow(/"value"/);
  });

  it('reads timestamps by magnitude in auto mode', () => {
    expect(parseTimestamp(1764072000, 'auto')).toBe(1764072000_000);
    expect(parseTimestamp(1764072000_123, 'auto')).toBe(1764072000_123);
    expect(parseTimestamp(1764072000_123_456, 'auto')).toBeCloseTo(1764072000_123.456, 3);
    expect(parseTimestamp(1764072000, 's')).toBe(1764072000_000);
    expect(() => parseTimestamp(1, 'iso')).toThrow(/ISO 8601/);
  });
});
