import { describe, expect, it } from 'vitest';
import type { ByteOrder, ModbusType } from '../../../../src/config/sources/modbus.js';
import { decodeRegisters, registerCount, scaleValue, shortestFloat32 } from '../../../../src/sources/modbus/decode.js';

/**
 * Known wire patterns (bytes as they arrive, register after register), written out by hand from
 * Python's struct.pack('>…') and permuted per order, so the decoder is checked against data and
 * not against itself.
 */
const cases: { type: ModbusType; value: number; hex: Record<ByteOrder, string> }[] = [
  { type: 'int16', value: -12345, hex: { ABCD: 'CFC7', CDAB: 'CFC7', BADC: 'C7CF', DCBA: 'C7CF' } },
  { type: 'uint16', value: 54321, hex: { ABCD: 'D431', CDAB: 'D431', BADC: '31D4', DCBA: '31D4' } },
  { type: 'int32', value: -123456789, hex: { ABCD: 'F8A432EB', CDAB: '32EBF8A4', BADC: 'A4F8EB32', DCBA: 'EB32A4F8' } },
  { type: 'uint32', value: 3000000000, hex: { ABCD: 'B2D05E00', CDAB: '5E00B2D0', BADC: 'D0B2005E', DCBA: '005ED0B2' } },
  { type: 'int64', value: -1234567890123456, hex: { ABCD: 'FFFB9D2AC3754540', CDAB: '4540C3759D2AFFFB', BADC: 'FBFF2A9D75C34045', DCBA: '404575C32A9DFBFF' } },
  { type: 'uint64', value: 9007199254740992, hex: { ABCD: '0020000000000000', CDAB: '0000000000000020', BADC: '2000000000000000', DCBA: '0000000000002000' } },
  // Beyond 2^53 a uint64 rounds to the nearest double: documented, and checked here.
  { type: 'uint64', value: Number(0x0123456789abcdefn), hex: { ABCD: '0123456789ABCDEF', CDAB: 'CDEF89AB45670123', BADC: '23016745AB89EFCD', DCBA: 'EFCDAB8967452301' } },
  { type: 'float32', value: -273.15, hex: { ABCD: 'C3889333', CDAB: '9333C388', BADC: '88C33393', DCBA: '339388C3' } },
  { type: 'float64', value: 6.02214076e23, hex: { ABCD: '44DFE185CA57C517', CDAB: 'C517CA57E18544DF', BADC: 'DF4485E157CA17C5', DCBA: '17C557CA85E1DF44' } },
];

describe('decodeRegisters', () => {
  for (const c of cases) {
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const) {
      it(`${c.type} ${order} ${c.hex[order]} → ${c.value}`, () => {
        const buf = Buffer.from(c.hex[order], 'hex');
        expect(buf.length).toBe(registerCount(c.type) * 2);
        expect(decodeRegisters(buf, 0, { type: c.type, order })).toBe(c.value);
        // The same value in the middle of a longer response (a coalesced read).
        const padded = Buffer.concat([Buffer.from('AAAA5555', 'hex'), buf, Buffer.from('FFFF', 'hex')]);
        expect(decodeRegisters(padded, 4, { type: c.type, order })).toBe(c.value);
      });
    }
  }

  it('float32 reads as the shortest decimal that round-trips (123.456, not 123.45600128…)', () => {
    expect(decodeRegisters(Buffer.from('42F6E979', 'hex'), 0, { type: 'float32', order: 'ABCD' })).toBe(123.456);
    expect(Math.fround(123.456)).not.toBe(123.456);
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Number.NaN)).toBeNaN();
    expect(decodeRegisters(Buffer.from('7F800000', 'hex'), 0, { type: 'float32', order: 'ABCD' })).toBe(Infinity);
  });

  it('bit of a register counts from the least significant bit, whatever the order', () => {
    const buf = Buffer.from('8001', 'hex'); // bits 15 and 0 set
    for (const order of ['ABCD', 'DCBA'] as const) {
      expect(decodeRegisters(buf, 0, { type: 'bit', order, bit: 0 })).toBe(true);
      expect(decodeRegisters(buf, 0, { type: 'bit', order, bit: 1 })).toBe(false);
      expect(decodeRegisters(buf, 0, { type: 'bit', order, bit: 15 })).toBe(true);
    }
  });

  it('ASCII strings: first character high byte (ABCD/CDAB) or low byte (BADC/DCBA); NUL ends, trailing spaces trimmed', () => {
    const hi = Buffer.from('PUMP-1\0\0', 'latin1');
    expect(decodeRegisters(hi, 0, { type: 'string', order: 'ABCD', length: 8 })).toBe('PUMP-1');
    expect(decodeRegisters(hi, 0, { type: 'string', order: 'CDAB', length: 8 })).toBe('PUMP-1');
    const lo = Buffer.from('UPPM1-\0\0', 'latin1');
    expect(decodeRegisters(lo, 0, { type: 'string', order: 'BADC', length: 8 })).toBe('PUMP-1');
    expect(decodeRegisters(lo, 0, { type: 'string', order: 'DCBA', length: 8 })).toBe('PUMP-1');
    expect(decodeRegisters(Buffer.from('ABC ', 'latin1'), 0, { type: 'string', order: 'ABCD', length: 4 })).toBe('ABC');
    expect(decodeRegisters(Buffer.from('ABCD', 'latin1'), 0, { type: 'string', order: 'ABCD', length: 3 })).toBe('ABC');
    expect(registerCount('string', 3)).toBe(2);
  });

  it('scale and offset apply to numbers only', () => {
    expect(scaleValue(1234, 0.1, -20)).toBeCloseTo(103.4, 10);
    expect(scaleValue(true, 10, 1)).toBe(true);
    expect(scaleValue('x', 10, 1)).toBe('x');
  });
});
