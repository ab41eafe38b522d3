import type { ByteOrder, ModbusType } from '../../config/sources/modbus.js';

/**
 * Register decoding. Modbus Application Protocol v1.1b3 §4.2 puts each 16-bit register on the
 * wire high byte first and says nothing about values wider than one register, so devices differ:
 * the byte order names the bytes of the big-endian value as they arrive, register by register.
 *
 *   ABCD  registers high word first, bytes high first     (Modicon, "big-endian")
 *   CDAB  low word first, bytes high first                ("word swap", many PLCs and meters)
 *   BADC  high word first, bytes swapped inside registers ("byte swap")
 *   DCBA  low word first, bytes swapped                   (plain little-endian)
 *
 * 64-bit values extend the word order to four registers. A 16-bit value only sees the byte swap.
 * ASCII strings carry two characters per register, first character in the high byte unless the
 * order swaps bytes (BADC/DCBA); word order does not apply to strings.
 */

/** Registers a value of this type occupies (`length` = characters for strings). */
export function registerCount(type: ModbusType, length = 0): number {
  switch (type) {
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return Math.ceil(length / 2);
    default:
      return 1;
  }
}

const scratch = Buffer.alloc(8);

/** Copies `n` registers at byte offset `off` into `scratch` as a big-endian (ABCD) value. */
function normalise(src: Buffer, off: number, n: number, order: ByteOrder): Buffer {
  const wordSwap = order === 'CDAB' || order === 'DCBA';
  const byteSwap = order === 'BADC' || order === 'DCBA';
  for (let i = 0; i < n; i++) {
    const from = off + 2 * (wordSwap ? n - 1 - i : i);
    const hi = src[from]!;
    const lo = src[from + 1]!;
    scratch[2 * i] = byteSwap ? lo : hi;
    scratch[2 * i + 1] = byteSwap ? hi : lo;
  }
  return scratch;
}

export interface DecodeSpec {
  type: ModbusType;
  order: ByteOrder;
  /** Bit 0–15 for `bit`. */
  bit?: number;
  /** Characters for `string`. */
  length?: number;
}

/**
 * Decodes one value from registers as received (`src`, big-endian per register) at byte offset
 * `off`. 64-bit integers become numbers: exact up to 2^53, rounded to the nearest double beyond.
 */
export function decodeRegisters(src: Buffer, off: number, spec: DecodeSpec): number | boolean | string {
  switch (spec.type) {
    case 'bit':
      // The bit of the register's value, not of a byte: bit 0 is the least significant (spec §4.2 numbering).
      return ((src.readUInt16BE(off) >> (spec.bit ?? 0)) & 1) === 1;
    case 'bool':
      return src.readUInt16BE(off) !== 0;
    case 'int16':
      return normalise(src, off, 1, spec.order).readInt16BE(0);
    case 'uint16':
      return normalise(src, off, 1, spec.order).readUInt16BE(0);
    case 'int32':
      return normalise(src, off, 2, spec.order).readInt32BE(0);
    case 'uint32':
      return normalise(src, off, 2, spec.order).readUInt32BE(0);
    case 'float32':
      return shortestFloat32(normalise(src, off, 2, spec.order).readFloatBE(0));
    case 'int64':
      return Number(normalise(src, off, 4, spec.order).readBigInt64BE(0));
    case 'uint64':
      return Number(normalise(src, off, 4, spec.order).readBigUInt64BE(0));
    case 'float64':
      return normalise(src, off, 4, spec.order).readDoubleBE(0);
    case 'string':
      return decodeString(src, off, spec.length ?? 0, spec.order === 'BADC' || spec.order === 'DCBA');
  }
}

/**
 * The shortest decimal that reads back as the same float32: a device holding 123.456 as float32
 * stores 123.45600128…; engineers (and the rules' thresholds) mean 123.456. Exact either way.
 */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  for (let p = 6; p < 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

function decodeString(src: Buffer, off: number, length: number, byteSwap: boolean): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const j = off + (byteSwap ? i ^ 1 : i);
    const c = src[j] ?? 0;
    // Devices pad with NUL (most) or spaces (some); a NUL ends the text.
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.replace(/\s+$/, '');
}

/** Applies `raw × scale + offset` to numeric values; booleans and strings pass through. */
export function scaleValue(v: number | boolean | string, scale: number, offset: number): number | boolean | string {
  if (typeof v !== 'number' || (scale === 1 && offset === 0)) return v;
  return v * scale + offset;
}
