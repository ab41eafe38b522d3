import { describe, expect, it } from 'vitest';
import type { ModbusFunction, ModbusType } from '../../../../src/config/sources/modbus.js';
import { coalesce, splitBlock, type CoalesceOptions } from '../../../../src/sources/modbus/coalesce.js';
import { registerCount } from '../../../../src/sources/modbus/decode.js';
import type { PlanPoint } from '../../../../src/sources/modbus/plan.js';

function pt(fn: ModbusFunction, address: number, type: ModbusType = fn === 'coil' || fn === 'discrete' ? 'bool' : 'uint16', length?: number): PlanPoint {
  const width = fn === 'coil' || fn === 'discrete' ? 1 : registerCount(type, length);
  return { key: `a/${fn}${address}`, fn, address, width, type, order: 'ABCD', bit: undefined, length, scale: 1, offset: 0, badReason: undefined };
}

const on: CoalesceOptions = { enabled: true, maxGap: 16, maxRegisters: 125, maxBits: 2000 };
const shape = (bs: ReturnType<typeof coalesce>) => bs.map((b) => `${b.fn}:${b.start}+${b.count}/${b.points.length}`);

describe('coalesce', () => {
  it('joins neighbours of one function into one request, never across functions', () => {
    const blocks = coalesce([pt('holding', 0, 'float32'), pt('holding', 2, 'float32'), pt('input', 0), pt('holding', 4), pt('coil', 0), pt('coil', 1)], on);
    expect(shape(blocks)).toEqual(['holding:0+5/3', 'input:0+1/1', 'coil:0+2/2']);
  });

  it('spans gaps up to maxGap registers and no further', () => {
    expect(shape(coalesce([pt('holding', 0), pt('holding', 17)], on))).toEqual(['holding:0+18/2']); // gap of 16
    expect(shape(coalesce([pt('holding', 0), pt('holding', 18)], on))).toEqual(['holding:0+1/1', 'holding:18+1/1']); // gap of 17
    expect(shape(coalesce([pt('holding', 0), pt('holding', 1), pt('holding', 3)], { ...on, maxGap: 0 }))).toEqual(['holding:0+2/2', 'holding:3+1/1']);
  });

  it('bit gaps are 16 × maxGap', () => {
    expect(shape(coalesce([pt('coil', 0), pt('coil', 257)], on))).toEqual(['coil:0+258/2']);
    expect(shape(coalesce([pt('coil', 0), pt('coil', 258)], on))).toEqual(['coil:0+1/1', 'coil:258+1/1']);
  });

  it('keeps every request within 125 registers and 2000 bits (Modbus v1.1b3 §6.1-6.4)', () => {
    const regs = Array.from({ length: 300 }, (_, i) => pt('input', i * 2, 'float32'));
    const rb = coalesce(regs, on);
    expect(rb.every((b) => b.count <= 125)).toBe(true);
    expect(rb.reduce((n, b) => n + b.points.length, 0)).toBe(300);
    // 62 float32 per request: a value is never split across two requests.
    expect(rb[0]!.count).toBe(124);
    const bits = Array.from({ length: 4500 }, (_, i) => pt('discrete', i));
    expect(coalesce(bits, on).map((b) => b.count)).toEqual([2000, 2000, 500]);
    expect(coalesce(regs, { ...on, maxRegisters: 10 }).every((b) => b.count <= 10)).toBe(true);
  });

  it('handles unsorted input, overlapping points (bits of one register) and duplicates', () => {
    const a = { ...pt('holding', 10), type: 'bit' as const, bit: 0 };
    const b = { ...pt('holding', 10), type: 'bit' as const, bit: 3 };
    const blocks = coalesce([pt('holding', 12, 'int64'), a, b, pt('holding', 8, 'string', 4)], on);
    expect(shape(blocks)).toEqual(['holding:8+8/4']);
  });

  it('with coalescing off every point is its own request', () => {
    expect(shape(coalesce([pt('holding', 0, 'float32'), pt('holding', 2)], { ...on, enabled: false }))).toEqual(['holding:0+2/1', 'holding:2+1/1']);
  });

  it('splitBlock turns a refused request into one per point', () => {
    const [block] = coalesce([pt('holding', 0, 'float32'), pt('holding', 5)], on);
    expect(shape(splitBlock(block!))).toEqual(['holding:0+2/1', 'holding:5+1/1']);
  });
});
