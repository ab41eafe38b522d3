import { DataType, DataValue, StatusCodes, Variant, VariantArrayType } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { qualityOf, scalarValue, toSample } from '../../../../src/sources/opcua/datavalue.js';

const dv = (value: Variant, statusCode = StatusCodes.Good, sourceTimestamp: Date | null = new Date(1_700_000_000_000), serverTimestamp: Date | null = null) =>
  new DataValue({ value, statusCode, sourceTimestamp, serverTimestamp });

describe('OPC UA StatusCode → quality (Part 4 §7.39 severity bits)', () => {
  it.each([
    [StatusCodes.Good, 'Good'],
    [StatusCodes.GoodClamped, 'Good'],
    [StatusCodes.GoodLocalOverride, 'Good'],
    [StatusCodes.UncertainLastUsableValue, 'Uncertain'],
    [StatusCodes.UncertainSensorNotAccurate, 'Uncertain'],
    [StatusCodes.UncertainEngineeringUnitsExceeded, 'Uncertain'],
    [StatusCodes.BadSensorFailure, 'Bad'],
    [StatusCodes.BadCommunicationError, 'Bad'],
    [StatusCodes.BadNodeIdUnknown, 'Bad'],
    [StatusCodes.BadOutOfService, 'Bad'],
  ])('%s → %s', (code, q) => {
    expect(qualityOf(code.value)).toBe(q);
  });

  it('ignores the info bits (overflow, limit bits) and treats the reserved severity 11 as Bad', () => {
    expect(qualityOf(StatusCodes.Good.value | 0x480)).toBe('Good'); // InfoType DataValue + Overflow
    expect(qualityOf(0xc0000000)).toBe('Bad');
  });
});

describe('DataValue → Sample', () => {
  it('keeps the source timestamp, else the server timestamp, else receive time', () => {
    const v = new Variant({ dataType: DataType.Double, value: 2.5 });
    expect(toSample('a/t', dv(v), 5).ts).toBe(1_700_000_000_000);
    expect(toSample('a/t', dv(v, StatusCodes.Good, null, new Date(1_600_000_000_000)), 5).ts).toBe(1_600_000_000_000);
    expect(toSample('a/t', dv(v, StatusCodes.Good, null, null), 5).ts).toBe(5);
  });

  it('names a non-Good status in reason and keeps the value', () => {
    const s = toSample('a/t', dv(new Variant({ dataType: DataType.Float, value: 1.5 }), StatusCodes.UncertainLastUsableValue), 0);
    expect(s).toEqual({ tag: 'a/t', ts: 1_700_000_000_000, value: 1.5, quality: 'Uncertain', reason: 'UncertainLastUsableValue' });
    expect(toSample('a/t', dv(new Variant({ dataType: DataType.Double, value: 0 }), StatusCodes.BadSensorFailure), 0)).toMatchObject({ quality: 'Bad', reason: 'BadSensorFailure' });
  });

  it('converts scalar types; arrays and structures become Bad samples that say why', () => {
    expect(scalarValue(new Variant({ dataType: DataType.Boolean, value: true }))).toBe(true);
    expect(scalarValue(new Variant({ dataType: DataType.Int32, value: -7 }))).toBe(-7);
    expect(scalarValue(new Variant({ dataType: DataType.UInt16, value: 65535 }))).toBe(65535);
    expect(scalarValue(new Variant({ dataType: DataType.Int64, arrayType: VariantArrayType.Scalar, value: [0xffffffff, 0xfffffffe] }))).toBe(-2);
    expect(scalarValue(new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [1, 0] }))).toBe(2 ** 32);
    expect(scalarValue(new Variant({ dataType: DataType.String, value: 'RUN' }))).toBe('RUN');
    expect(scalarValue(new Variant({ dataType: DataType.DateTime, value: new Date(42) }))).toBe(42);
    const arr = new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: new Float64Array([1, 2]) });
    expect(scalarValue(arr)).toBeUndefined();
    expect(toSample('a/t', dv(arr), 0)).toMatchObject({ quality: 'Bad', reason: 'unsupported_value:Double' });
    expect(toSample('a/t', dv(new Variant({ dataType: DataType.Double, value: Number.NaN })), 0)).toMatchObject({ quality: 'Bad', reason: 'not_a_number' });
  });
});
