import { join } from 'node:path';
import protobuf from 'protobufjs';
import mqtt, { type MqttClient } from 'mqtt';
import { waitFor } from './servers.js';

/**
 * The second decoder: the Sparkplug B schema as the specification prints it
 * (test/fixtures/sparkplug_b.proto), loaded by protobufjs 8 — not Tahu's `sparkplug-payload`,
 * which the gateway encodes with (and which bundles its own generated code and protobufjs 6).
 * It returns the raw protobuf fields, so a test sees exactly what went over the wire:
 * which value field is set, whether `seq` is present at all, the datatype numbers.
 */
const root = protobuf.loadSync(join(import.meta.dirname, '../fixtures/sparkplug_b.proto'));
const PayloadType = root.lookupType('org.eclipse.tahu.protobuf.Payload');
export const DataType = root.lookupEnum('org.eclipse.tahu.protobuf.DataType').values as Record<string, number>;

/** The value fields a metric and a property value share (one of them is set). */
export interface WireValue {
  intValue?: number;
  longValue?: number;
  floatValue?: number;
  doubleValue?: number;
  booleanValue?: boolean;
  stringValue?: string;
}

export interface WirePropertyValue extends WireValue {
  type?: number;
  isNull?: boolean;
}

export interface WireMetric extends WireValue {
  name?: string;
  alias?: number;
  timestamp?: number;
  datatype?: number;
  isNull?: boolean;
  isHistorical?: boolean;
  properties?: { keys: string[]; values: WirePropertyValue[] };
}

export interface WirePayload {
  timestamp?: number;
  seq?: number;
  metrics: WireMetric[];
}

/** Decodes with the spec's schema; 64-bit fields as numbers, absent optional fields absent. */
export function decodeWire(buf: Uint8Array): WirePayload {
  const msg = PayloadType.decode(buf);
  const o = PayloadType.toObject(msg, { longs: Number, defaults: false, arrays: true }) as WirePayload;
  o.metrics ??= [];
  return o;
}

/** Encodes with the spec's schema (for a test playing another edge node or a host). */
export function encodeWire(p: WirePayload): Uint8Array {
  const err = PayloadType.verify(p);
  if (err) throw new Error(err);
  return PayloadType.encode(PayloadType.fromObject(p)).finish();
}

/** The property `key` of a metric, from the wire's parallel keys/values arrays. */
export function prop(m: WireMetric, key: string): WirePropertyValue | undefined {
  const i = m.properties?.keys.indexOf(key) ?? -1;
  return i < 0 ? undefined : m.properties!.values[i];
}

export interface Captured {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  at: number;
}

/** A plain MQTT client recording everything on `filters`, as a host application would see it. */
export async function capture(url: string, filters: string[]): Promise<{ client: MqttClient; messages: Captured[]; of: (topic: string | RegExp) => Captured[]; close: () => Promise<void> }> {
  const client = mqtt.connect(url, { clientId: `test-host-${Math.random().toString(16).slice(2)}`, clean: true });
  const messages: Captured[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, qos: packet.qos, retain: packet.retain, at: Date.now() }));
  await waitFor('test host connected', () => (client.connected ? true : undefined), 10_000);
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    messages,
    of: (t) => messages.filter((m) => (typeof t === 'string' ? m.topic === t : t.test(m.topic))),
    close: async () => void (await client.endAsync(true)),
  };
}
