import { MINUTE } from './minutes.js';
import { AggRows, type Agg } from './rows.js';

/**
 * Minutes per stored block. A block is one row of packed 1-minute aggregates (39 bytes a minute):
 * 20 minutes make ~800 bytes, five of which fill a 4 KiB SQLite page, where a whole hour's row
 * (2.3 KB) would take a page of its own. It divides an hour, so a block lies in one hour.
 */
export const BLOCK_MINUTES = 20;

/** Per minute in a packed block: slot (u8), count (u32), min, max, sum, last (f64), last's ms into the minute (u16). */
const SLOT_BYTES = 1 + 4 + 8 * 4 + 2;
const FORMAT = 1;

export const blockOf = (minute: number): number => minute - (((minute % BLOCK_MINUTES) + BLOCK_MINUTES) % BLOCK_MINUTES);

/** One minute of a block, as stored. */
export interface MinuteAgg extends Agg {
  minute: number;
}

/** Packs a block's minutes (those with samples) into the stored form. */
export function encodeBlock(start: number, minutes: readonly MinuteAgg[]): Buffer {
  const buf = Buffer.allocUnsafe(2 + minutes.length * SLOT_BYTES);
  buf.writeUInt8(FORMAT, 0);
  buf.writeUInt8(minutes.length, 1);
  let o = 2;
  for (const m of minutes) {
    const slot = m.minute - start;
    if (slot < 0 || slot >= BLOCK_MINUTES) throw new RangeError(`minute ${m.minute} is not in the block starting at ${start}`);
    buf.writeUInt8(slot, o);
    buf.writeUInt32LE(Math.min(m.count, 0xffffffff), o + 1);
    buf.writeDoubleLE(m.min, o + 5);
    buf.writeDoubleLE(m.max, o + 13);
    buf.writeDoubleLE(m.sum, o + 21);
    buf.writeDoubleLE(m.last, o + 29);
    const into = m.lastTs - m.minute * MINUTE;
    buf.writeUInt16LE(into >= 0 && into < MINUTE ? Math.floor(into) : 0, o + 37);
    o += SLOT_BYTES;
  }
  return buf;
}

/** The minutes of a stored block, in slot order. */
export function decodeBlock(start: number, data: Uint8Array): MinuteAgg[] {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.readUInt8(0) !== FORMAT) throw new Error(`history block at minute ${start}: unknown format ${buf.readUInt8(0)}`);
  const n = buf.readUInt8(1);
  const out: MinuteAgg[] = new Array(n);
  let o = 2;
  for (let i = 0; i < n; i++) {
    const minute = start + buf.readUInt8(o);
    out[i] = {
      minute,
      count: buf.readUInt32LE(o + 1),
      min: buf.readDoubleLE(o + 5),
      max: buf.readDoubleLE(o + 13),
      sum: buf.readDoubleLE(o + 21),
      last: buf.readDoubleLE(o + 29),
      lastTs: minute * MINUTE + buf.readUInt16LE(o + 37),
    };
    o += SLOT_BYTES;
  }
  return out;
}

/**
 * Each tag's current block in memory: the minutes closed since the block began, not yet stored as
 * a block (the journal holds them meanwhile). Rows: tag × slot.
 */
export class OpenBlocks {
  /** The current block's first minute per tag; NaN when the tag has none. */
  readonly start: Float64Array;
  private readonly rows: AggRows;

  constructor(tags: number) {
    this.start = new Float64Array(tags).fill(Number.NaN);
    this.rows = new AggRows(tags * BLOCK_MINUTES);
  }

  /** Folds a closed minute into the tag's current block (the caller has checked it belongs there). */
  merge(tag: number, minute: number, a: Agg): void {
    this.rows.merge(tag * BLOCK_MINUTES + (minute - this.start[tag]!), a);
  }

  /** Starts a new, empty block for the tag. */
  open(tag: number, start: number): void {
    this.start[tag] = start;
    for (let k = tag * BLOCK_MINUTES; k < (tag + 1) * BLOCK_MINUTES; k++) this.rows.clear(k);
  }

  /** The tag's current block's minutes with samples, in order. */
  minutes(tag: number): MinuteAgg[] {
    const out: MinuteAgg[] = [];
    const s = this.start[tag]!;
    if (Number.isNaN(s)) return out;
    for (let i = 0; i < BLOCK_MINUTES; i++) {
      const k = tag * BLOCK_MINUTES + i;
      if (this.rows.count(k) > 0) out.push({ minute: s + i, ...this.rows.agg(k) });
    }
    return out;
  }

  /** Ends the tag's block: returns its minutes and leaves the tag with none. */
  take(tag: number): { start: number; minutes: MinuteAgg[] } {
    const r = { start: this.start[tag]!, minutes: this.minutes(tag) };
    this.start[tag] = Number.NaN;
    return r;
  }
}
