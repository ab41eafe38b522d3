import { describe, expect, it } from 'vitest';
import { ByteKeyMap } from '../../../src/sources/mqtt/byte-keys.js';
import { TopicRouter } from '../../../src/sources/mqtt/topics.js';
import type { TopicMapping } from '../../../src/config/schema.js';

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('byte-keyed map', () => {
  it('agrees with a Map keyed by the same bytes, for keys read from anywhere in a buffer, through growth', () => {
    const rnd = rng(3);
    const m = new ByteKeyMap<number>();
    const ref = new Map<string, number>();
    // Short keys over a small alphabet: many share prefixes or are prefixes of others; one is empty.
    const key = () => Buffer.from(Array.from({ length: Math.floor(rnd() * 6) }, () => 0x61 + Math.floor(rnd() * 3)));
    for (let i = 0; i < 20_000; i++) {
      const k = key();
      // The key sits somewhere inside a larger read, between other bytes.
      const pad = Math.floor(rnd() * 5);
      const read = Buffer.concat([Buffer.alloc(pad, 0x61), k, Buffer.alloc(3, 0x62)]);
      const hex = k.toString('hex');
      expect(m.get(read, pad, pad + k.length)).toBe(ref.get(hex));
      if (rnd() < 0.5 && !ref.has(hex)) {
        m.set(read, pad, pad + k.length, i);
        ref.set(hex, i);
      }
    }
    expect(m.size).toBe(ref.size);
    for (const [hex, v] of ref) {
      const b = Buffer.from(hex, 'hex');
      expect(m.get(b, 0, b.length)).toBe(v);
    }
  });

  it('holds 50,000 distinct topics, keeps a key’s first value, and starts again empty when full', () => {
    const m = new ByteKeyMap<string>(50_000);
    const topic = (i: number) => Buffer.from(`s/a${i % 5000}/t${Math.floor(i / 5000)}`);
    for (let i = 0; i < 50_000; i++) m.set(topic(i), 0, topic(i).length, `v${i}`);
    m.set(topic(7), 0, topic(7).length, 'other');
    expect(m.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(m.get(topic(i), 0, topic(i).length)).toBe(`v${i}`);
    const extra = Buffer.from('s/new/t');
    m.set(extra, 0, extra.length, 'new');
    expect(m.size).toBe(1);
    expect(m.get(topic(0), 0, topic(0).length)).toBeUndefined();
    expect(m.get(extra, 0, extra.length)).toBe('new');
  });
});
