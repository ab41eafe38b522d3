/**
 * A map from byte strings (a slice of a Buffer) to values, for looking up what a message's topic
 * routes to straight from the bytes of the socket read: no string made per message, and the keys
 * live in one contiguous arena instead of one heap string each. With a fleet's tens of thousands
 * of topics, a `Map` keyed by fresh topic strings spent more time in cache misses (the table, then
 * each key's string for the comparison) than anything else on the way from a read to a sample.
 *
 * Open addressing with linear probing over an Int32Array of entry numbers; FNV-1a hashes. Bounded:
 * when it holds `max` keys it starts again empty (topics come from clients).
 */
export class ByteKeyMap<V> {
  private slots!: Int32Array;
  private mask!: number;
  private hashes!: Int32Array;
  private starts!: Int32Array;
  private lengths!: Int32Array;
  private values: V[] = [];
  private arena!: Buffer;
  private used = 0;
  private count = 0;
  /** Counts the times the map started again empty: entry numbers of an earlier generation mean nothing now. */
  generation = -1;

  /** `initial`: entries room is made for at first (a power of two), and again after a reset. */
  constructor(
    private readonly max = 100_000,
    private readonly initial = 64,
  ) {
    this.reset(initial);
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for bytes `b[start, end)`, or undefined. */
  get(b: Buffer, start: number, end: number): V | undefined {
    const e = this.find(b, start, end, hashBytes(b, start, end));
    return e < 0 ? undefined : this.values[e];
  }

  /** The entry number of bytes `b[start, end)` (0, 1, … in the order they were stored, within a {@link generation}), or -1. */
  entry(b: Buffer, start: number, end: number): number {
    return this.find(b, start, end, hashBytes(b, start, end));
  }

  /** The value of entry `e` (from {@link entry} or {@link set}, this generation). */
  valueAt(e: number): V {
    return this.values[e]!;
  }

  /**
   * Stores `v` for bytes `b[start, end)` (a key that is already there keeps its first value);
   * returns its entry number (a full map starts a new {@link generation} first).
   */
  set(b: Buffer, start: number, end: number, v: V): number {
    const h = hashBytes(b, start, end);
    const found = this.find(b, start, end, h);
    if (found >= 0) return found;
    if (this.count >= this.max) this.reset(this.initial);
    const len = end - start;
    if (this.count + 1 > this.hashes.length) this.growEntries();
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    if (this.used + len > this.arena.length) {
      const next = Buffer.alloc(Math.max(this.arena.length * 2, this.used + len));
      this.arena.copy(next, 0, 0, this.used);
      this.arena = next;
    }
    const e = this.count++;
    b.copy(this.arena, this.used, start, end);
    this.starts[e] = this.used;
    this.lengths[e] = len;
    this.used += len;
    this.hashes[e] = h;
    this.values[e] = v;
    this.place(e, h);
    return e;
  }

  /** The entry holding bytes `b[start, end)` (hash `h`), or -1. */
  private find(b: Buffer, start: number, end: number, h: number): number {
    const len = end - start;
    const { slots, mask, hashes, lengths, starts, arena } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[i]! - 1;
      if (e < 0) return -1;
      if (hashes[e] !== h || lengths[e] !== len) continue;
      let k = starts[e]!;
      let j = start;
      while (j < end && arena[k] === b[j]) {
        k++;
        j++;
      }
      if (j === end) return e;
    }
  }

  private place(e: number, h: number): void {
    let i = h & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = e + 1;
  }

  private reset(entries: number): void {
    this.generation++;
    this.count = 0;
    this.used = 0;
    this.values = [];
    this.hashes = new Int32Array(entries);
    this.starts = new Int32Array(entries);
    this.lengths = new Int32Array(entries);
    this.arena = Buffer.alloc(entries * 16);
    this.slots = new Int32Array(entries * 2);
    this.mask = this.slots.length - 1;
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    const grow = (a: Int32Array) => {
      const x = new Int32Array(n);
      x.set(a);
      return x;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
  }

  private rehash(slots: number): void {
    this.slots = new Int32Array(slots);
    this.mask = slots - 1;
    for (let e = 0; e < this.count; e++) this.place(e, this.hashes[e]!);
  }
}

/** FNV-1a (32 bits) of `b[start, end)`. */
export function hashBytes(b: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5 | 0; // (as an int32, like every step below: the empty key keeps it)
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}
