import { createRequire } from 'node:module';
import type * as Tahu from 'sparkplug-payload/lib/sparkplugbpayload.js';

/**
 * The one adapter around Eclipse Tahu's `sparkplug-payload` (the Sparkplug B protobuf codec). The
 * rest of the gateway sees plain values: numbers instead of protobufjs `Long`s, `null` for
 * `is_null`, and only the data types it uses. Nothing else imports the library.
 */
const require = createRequire(import.meta.url);
const codec = (require('sparkplug-payload') as { get(ns: string): typeof Tahu | null }).get('spBv1.0')!;

/** The Sparkplug B basic data types this gateway reads and writes (Sparkplug 3.0 §6.4.16). */
export type DataType = 'Int8' | 'Int16' | 'Int32' | 'Int64' | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'Float' | 'Double' | 'Boolean' | 'String' | 'DateTime' | 'Text';

export type MetricValue = number | boolean | string | null;

export interface PropertyValue {
  type: DataType;
  value: MetricValue;
}

export interface Metric {
  name?: string | undefined;
  alias?: number | undefined;
  timestamp?: number | undefined;
  type: DataType;
  /** `null`: `is_null` is set. */
  value: MetricValue;
  isHistorical?: boolean | undefined;
  /** A PropertySet: `engUnit`, `engLow`, `engHigh`, `Quality`, … */
  properties?: Record<string, PropertyValue> | undefined;
}

export interface Payload {
  timestamp?: number | undefined;
  /** 0-255; absent on NDEATH, NCMD and DCMD. */
  seq?: number | undefined;
  metrics: Metric[];
}

/** A Sparkplug message that is not a valid Sparkplug B payload. */
export class SparkplugPayloadError extends Error {}

interface LongLike {
  toNumber(): number;
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && typeof (v as LongLike).toNumber === 'function') return (v as LongLike).toNumber();
  return Number(v);
}

function plain(v: unknown): MetricValue | undefined {
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as LongLike).toNumber === 'function') return (v as LongLike).toNumber();
  return undefined; // DataSet, Template, bytes: not telemetry this gateway maps to tags
}

function toTahuMetric(m: Metric): Tahu.UMetric {
  const out: Tahu.UMetric = { type: m.type, value: m.value };
  if (m.name !== undefined) out.name = m.name;
  if (m.alias !== undefined) out.alias = m.alias;
  if (m.timestamp !== undefined) out.timestamp = m.timestamp;
  if (m.isHistorical) out.isHistorical = true;
  if (m.properties) out.properties = m.properties as Record<string, Tahu.UPropertyValue>;
  return out;
}

export function encodePayload(p: Payload): Uint8Array {
  const out: Tahu.UPayload = { metrics: p.metrics.map(toTahuMetric) };
  if (p.timestamp !== undefined) out.timestamp = p.timestamp;
  if (p.seq !== undefined) out.seq = p.seq;
  return codec.encodePayload(out);
}

/**
 * Decodes a Sparkplug B payload. Metrics whose value is not a scalar (DataSet, Template, bytes)
 * keep their name and alias with `value: undefined` cast away as `null` and `type` as sent, so a
 * caller can count them rather than lose them silently.
 */
export function decodePayload(buf: Uint8Array): Payload {
  let raw: Tahu.UPayload;
  try {
    raw = codec.decodePayload(buf);
  } catch (e) {
    throw new SparkplugPayloadError(`not a Sparkplug B payload: ${e instanceof Error ? e.message : String(e)}`);
  }
  const metrics: Metric[] = (raw.metrics ?? []).map((m) => {
    const value = plain(m.value);
    const out: Metric = { type: (m.type ?? 'Unknown') as DataType, value: value === undefined ? null : value };
    if (m.name !== undefined && m.name !== null) out.name = m.name;
    const alias = num(m.alias);
    if (alias !== undefined) out.alias = alias;
    const ts = num(m.timestamp);
    if (ts !== undefined) out.timestamp = ts;
    if (m.isHistorical) out.isHistorical = true;
    if (m.properties) {
      const props: Record<string, PropertyValue> = {};
      for (const [k, pv] of Object.entries(m.properties)) {
        const v = plain(pv.value);
        if (v !== undefined) props[k] = { type: pv.type as DataType, value: v };
      }
      out.properties = props;
    }
    return out;
  });
  return { timestamp: num(raw.timestamp), seq: num(raw.seq), metrics };
}

/** Whether a decoded metric carries a scalar this gateway can turn into a sample. */
export function isScalarType(t: string): t is DataType {
  return SCALAR.has(t);
}

const SCALAR = new Set<string>(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text']);
