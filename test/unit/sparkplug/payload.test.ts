import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, SparkplugPayloadError } from '../../../src/sparkplug/payload.js';
import { DataType, decodeWire, encodeWire } from '../../helpers/sparkplug.js';

/** The adapter against the specification's schema, in both directions, through protobufjs 8. */
describe('Sparkplug B payload adapter (checked by the spec .proto decoder)', () => {
  it('encodes each value type into the field the specification assigns it', () => {
    const buf = encodePayload({
      timestamp: 1_700_000_000_123,
      seq: 255,
      metrics: [
        { name: 'd', alias: 1, type: 'Double', value: -1.25, timestamp: 5 },
        { name: 'f', alias: 2, type: 'Float', value: 0.5, timestamp: 5 },
        { name: 'i', alias: 3, type: 'Int32', value: 7, timestamp: 5 },
        { name: 'u', alias: 4, type: 'UInt64', value: 2 ** 40, timestamp: 5 },
        { name: 'b', alias: 5, type: 'Boolean', value: true, timestamp: 5 },
        { name: 's', alias: 6, type: 'String', value: 'x/y', timestamp: 5 },
        { name: 'n', alias: 7, type: 'Double', value: null, timestamp: 5, properties: { engUnit: { type: 'String', value: 'degC' }, Quality: { type: 'Int32', value: 500 } } },
      ],
    });
    const w = decodeWire(buf);
    expect(w.timestamp).toBe(1_700_000_000_123);
    expect(w.seq).toBe(255);
    expect(w.metrics).toEqual([
      expect.objectContaining({ name: 'd', alias: 1, datatype: DataType.Double, doubleValue: -1.25, timestamp: 5 }),
      expect.objectContaining({ name: 'f', datatype: DataType.Float, floatValue: 0.5 }),
      expect.objectContaining({ name: 'i', datatype: DataType.Int32, intValue: 7 }),
      expect.objectContaining({ name: 'u', datatype: DataType.UInt64, longValue: 2 ** 40 }),
      expect.objectContaining({ name: 'b', datatype: DataType.Boolean, booleanValue: true }),
      expect.objectContaining({ name: 's', datatype: DataType.String, stringValue: 'x/y' }),
      expect.objectContaining({ name: 'n', datatype: DataType.Double, isNull: true, properties: { keys: ['engUnit', 'Quality'], values: [{ type: DataType.String, stringValue: 'degC' }, { type: DataType.Int32, intValue: 500 }] } }),
    ]);
    // NDEATH, NCMD and DCMD carry no seq at all (tck-id-payloads-ndeath-seq): absent, not 0.
    expect(decodeWire(encodePayload({ timestamp: 1, metrics: [] })).seq).toBeUndefined();
  });

  it('decodes what another implementation encoded, 64-bit values as numbers', () => {
    const p = decodePayload(
      encodeWire({
        timestamp: 42,
        seq: 3,
        metrics: [
          { alias: 9, timestamp: 40, datatype: DataType.Int64, longValue: 12_345_678_901 },
          { name: 'q', datatype: DataType.Double, doubleValue: 1.5, properties: { keys: ['Quality'], values: [{ type: DataType.Int32, intValue: 0 }] } },
          { name: 'z', datatype: DataType.Double, isNull: true },
        ],
      }),
    );
    expect(p).toEqual({
      timestamp: 42,
      seq: 3,
      metrics: [
        { alias: 9, timestamp: 40, type: 'Int64', value: 12_345_678_901 },
        { name: 'q', type: 'Double', value: 1.5, properties: { Quality: { type: 'Int32', value: 0 } } },
        { name: 'z', type: 'Double', value: null },
      ],
    });
  });

  it('turns bytes that are not a Sparkplug payload into a SparkplugPayloadError', () => {
    // JSON published on a Sparkplug topic, and a metric cut short.
    expect(() => decodePayload(Buffer.from('{"value": 1}'))).toThrow(SparkplugPayloadError);
    expect(() => decodePayload(Buffer.from([0x12, 0x05, 0x0a]))).toThrow(SparkplugPayloadError);
  });
});
