import { DataType, type DataValue, type StatusCode, type Variant } from 'node-opcua';
import type { Quality, Sample, SampleValue } from '../../core/sample.js';

/**
 * Quality from a StatusCode's severity bits, OPC UA Part 4 §7.39 (§7.34 in 1.04):
 * bits 31..30 = 00 Good, 01 Uncertain, 10 Bad, 11 reserved (treated as Bad).
 */
export function qualityOf(code: number): Quality {
  const severity = code >>> 30;
  return severity === 0 ? 'Good' : severity === 1 ? 'Uncertain' : 'Bad';
}

/** The status name for `reason`, without the info bits node-opcua appends (`#Overflow`…) when they do not matter. */
export function reasonOf(status: StatusCode): string {
  return status.name;
}

/** Int64/UInt64 travel as `[high, low]` 32-bit halves (node-opcua-basic-types); precision above 2^53 is lost. */
function int64ToNumber(v: unknown, signed: boolean): number {
  if (!Array.isArray(v) || v.length !== 2) return Number.NaN;
  const [hi, lo] = v as [number, number];
  const high = signed && hi & 0x80000000 ? hi - 0x1_0000_0000 : hi;
  return high * 0x1_0000_0000 + lo;
}

/** A scalar OPC UA value as a sample value, or `undefined` when it has none we can use (arrays, structures…). */
export function scalarValue(v: Variant): SampleValue | undefined {
  if (v.arrayType !== undefined && v.arrayType !== 0) return undefined; // VariantArrayType.Scalar = 0
  const x: unknown = v.value;
  switch (v.dataType) {
    case DataType.Boolean:
      return Boolean(x);
    case DataType.SByte:
    case DataType.Byte:
    case DataType.Int16:
    case DataType.UInt16:
    case DataType.Int32:
    case DataType.UInt32:
    case DataType.Float:
    case DataType.Double:
      return typeof x === 'number' ? x : undefined;
    case DataType.Int64:
      return int64ToNumber(x, true);
    case DataType.UInt64:
      return int64ToNumber(x, false);
    case DataType.String:
      return typeof x === 'string' ? x : undefined;
    case DataType.DateTime:
      return x instanceof Date ? x.getTime() : undefined;
    case DataType.LocalizedText:
      return (x as { text?: string } | null)?.text ?? undefined;
    default:
      return undefined;
  }
}

/**
 * One DataValue as a sample. The timestamp is the source timestamp (Part 4 §7.7.3: when the
 * value was measured), then the server timestamp, then receive time. A Good status without a
 * usable value becomes a Bad sample that says why, rather than vanishing.
 */
export function toSample(tag: string, dv: DataValue, now: number): Sample {
  const ts = dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? now;
  const code = dv.statusCode.value;
  const quality = qualityOf(code);
  const value = scalarValue(dv.value);
  if (value === undefined) {
    const reason = quality === 'Good' ? `unsupported_value:${DataType[dv.value.dataType] ?? dv.value.dataType}` : reasonOf(dv.statusCode);
    return { tag, ts, value: Number.NaN, quality: 'Bad', reason };
  }
  if (typeof value === 'number' && Number.isNaN(value) && quality === 'Good') return { tag, ts, value, quality: 'Bad', reason: 'not_a_number' };
  return quality === 'Good' ? { tag, ts, value, quality } : { tag, ts, value, quality, reason: reasonOf(dv.statusCode) };
}
