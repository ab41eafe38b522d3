import { ByteKeyMap } from './byte-keys.js';

/** What one connection was granted: a bit per entry of the broker's topic table, for one generation of it. */
export interface Grants {
  bits: Uint32Array;
  generation: number;
}

const NONE = new Uint32Array(0);

/**
 * The topics connections were allowed to publish to at QoS 0 without retain (the verdicts of the
 * broker's authorization hook, remembered for the lane), each with what the lane's sink resolved it
 * to. One table of topics for the whole broker, and per connection one bit per entry it was
 * granted: a lane message costs one lookup in a table every connection shares (it stays in the
 * cache; one table per connection was one more set of cache misses per message) and a bit test.
 *
 * Bounded: when the table holds `max` topics it starts again empty, and every connection's grants
 * with it (entry numbers of the old table mean nothing in the new one); a connection's next
 * publish to each topic then goes through the hook again.
 */
export class LaneGrants<T> {
  private readonly topics: ByteKeyMap<T>;

  constructor(max: number) {
    this.topics = new ByteKeyMap<T>(max, 1024);
  }

  /** A connection's empty grants. */
  static none(): Grants {
    return { bits: NONE, generation: -1 };
  }

  /** Topics in the table (any connection's). */
  get size(): number {
    return this.topics.size;
  }

  /** Remembers that the connection of `g` may publish to `topic`; `resolve` makes the topic's value the first time it is granted to anyone. */
  grant<U extends T>(g: Grants, topic: string, resolve: (topic: string) => U): void {
    const b = Buffer.from(topic, 'utf8');
    let e = this.topics.entry(b, 0, b.length);
    if (e < 0) e = this.topics.set(b, 0, b.length, resolve(topic));
    if (g.generation !== this.topics.generation) {
      g.generation = this.topics.generation;
      g.bits = NONE; // granted in a table since emptied
    }
    const w = e >>> 5;
    if (w >= g.bits.length) {
      const bits = new Uint32Array(Math.max(4, w + 1, g.bits.length * 2));
      bits.set(g.bits);
      g.bits = bits;
    }
    g.bits[w]! |= 1 << (e & 31);
  }

  /** What topic `read[start, end)` resolved to, when the connection of `g` was granted it; else undefined. */
  lookup(g: Grants, read: Buffer, start: number, end: number): T | undefined {
    if (g.generation !== this.topics.generation) return undefined;
    const e = this.topics.entry(read, start, end);
    if (e < 0) return undefined;
    const w = e >>> 5;
    if (w >= g.bits.length || ((g.bits[w]! >>> (e & 31)) & 1) === 0) return undefined;
    return this.topics.valueAt(e);
  }
}
