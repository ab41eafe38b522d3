/** Byte streams for fuzzing the PUBLISH fast path, and mqtt-packet's answers to them (shared by the unit and broker fuzz tests). */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { installFastPath, type MqttPacketParser } from '../../../src/sources/mqtt/aedes-internals.js';

export interface Parser extends MqttPacketParser {
  on(event: 'packet', cb: (p: Record<string, unknown>) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
}
export const mqttPacket = createRequire(import.meta.url)('mqtt-packet') as { parser(): Parser; generate(p: object): Buffer };

/** Cases per fuzz property; `CBM_FUZZ_RUNS=<n>` for a longer run. */
export const RUNS = Number(process.env.CBM_FUZZ_RUNS ?? 3000);

/** A parser recording what it emits, up to and with its first error. */
export function recorder(fast: boolean, maxPacketSize?: number): { p: Parser; out: string[]; failed: () => boolean } {
  const p = mqttPacket.parser();
  if (fast) installFastPath(p, undefined, maxPacketSize === undefined ? undefined : { maxPacketSize });
  const out: string[] = [];
  let failed = false;
  p.on('packet', (pk) => {
    const o: Record<string, unknown> = {};
    for (const k of ['cmd', 'retain', 'qos', 'dup', 'length', 'topic', 'messageId', 'subscriptions', 'unsubscriptions', 'clientId', 'keepalive', 'returnCode', 'granted']) if (pk[k] !== undefined && pk[k] !== null) o[k] = pk[k];
    if (Buffer.isBuffer(pk.payload)) o.payload = pk.payload.toString('hex');
    out.push(JSON.stringify(o));
  });
  p.on('error', (e) => {
    out.push(`error: ${e.message}`);
    failed = true;
  });
  return { p, out, failed: () => failed };
}

/**
 * mqtt-packet given one packet at a time (framed here by its Remaining Length [MQTT-2.2.3]).
 * mqtt-packet reading a whole stream may read a malformed packet's missing fields from the next
 * packet (e.g. a PUBACK of length 0 takes its id from the following bytes); framed, it cannot,
 * and neither can the fast path, which hands the parser whole packets. With `maxPacketSize`, a
 * longer packet is refused as the fast path refuses it, unless its first byte already was.
 */
export function emittedFramed(stream: Buffer, maxPacketSize = Infinity): string[] {
  const r = recorder(false);
  for (let off = 0; off < stream.length && !r.failed(); ) {
    let len = 0;
    let i = 1;
    for (let mul = 1; i <= 4 && off + i < stream.length; i++, mul *= 128) {
      len += (stream[off + i]! & 0x7f) * mul;
      if ((stream[off + i]! & 0x80) === 0) break;
    }
    const total = 1 + i + len;
    // mqtt-packet refuses a first byte with the wrong flags (Table 2.2) or QoS 3 before reading the length.
    const b0 = stream[off]!;
    const flags = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0][b0 >> 4]!;
    const firstByteRefused = flags < 0 ? (b0 & 6) === 6 : (b0 & 15) !== flags;
    if (!firstByteRefused && i <= 4 && off + i < stream.length && total > maxPacketSize) {
      r.out.push(`error: packet of ${total} bytes exceeds the maximum packet size of ${maxPacketSize} bytes`);
      break;
    }
    if (i > 4 || off + i >= stream.length || off + total > stream.length) {
      r.p.parse(stream.subarray(off)); // an invalid length or an incomplete packet: the rest, once
      break;
    }
    r.p.parse(stream.subarray(off, off + total));
    off += total;
  }
  return r.out;
}

const bytes = (n: number) => fc.uint8Array({ maxLength: n }).map((u) => Buffer.from(u));
const topic = fc.oneof(fc.constantFrom('plant/p-1/temp', 's/ünï/温度', 'a', ''), fc.string({ maxLength: 40 }));
export const packet: fc.Arbitrary<object> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ cmd: fc.constant('publish'), topic, payload: bytes(300), qos: fc.constantFrom(0, 1, 2), retain: fc.boolean(), dup: fc.boolean(), messageId: fc.integer({ min: 1, max: 65535 }) }) },
  fc.record({ cmd: fc.constant('subscribe'), messageId: fc.integer({ min: 1, max: 65535 }), subscriptions: fc.array(fc.record({ topic: fc.constantFrom('x/#', 'a/+/b', '#'), qos: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp', 'unsuback'), messageId: fc.integer({ min: 1, max: 65535 }) }),
  fc.record({ cmd: fc.constantFrom('pingreq', 'pingresp', 'disconnect') }),
  fc.record({ cmd: fc.constant('connect'), protocolId: fc.constant('MQTT'), protocolVersion: fc.constant(4), clientId: fc.string({ maxLength: 23 }), clean: fc.boolean(), keepalive: fc.nat(65535) }),
);
/** A valid stream: packets mqtt-packet can write, back to back. */
const validStream = fc.array(packet, { minLength: 1, maxLength: 20 }).map((ps) => {
  const out: Buffer[] = [];
  for (const p of ps) {
    try {
      out.push(mqttPacket.generate(p));
    } catch {
      // a combination mqtt-packet will not write (e.g. an invalid topic): left out
    }
  }
  return Buffer.concat(out);
});
/** Bit flips, byte overwrites, insertions, deletions and a truncation. */
const mutation = fc.record({ kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'cut'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });
function mutate(b: Buffer, ms: { kind: string; at: number; byte: number }[]): Buffer {
  let x = Buffer.from(b);
  for (const m of ms) {
    const i = x.length ? m.at % x.length : 0;
    if (m.kind === 'flip' && x.length) x[i] = x[i]! ^ (1 << m.byte % 8);
    else if (m.kind === 'set' && x.length) x[i] = m.byte;
    else if (m.kind === 'insert') x = Buffer.concat([x.subarray(0, i), Buffer.from([m.byte]), x.subarray(i)]);
    else if (m.kind === 'delete') x = Buffer.concat([x.subarray(0, i), x.subarray(i + 1)]);
    else if (m.kind === 'cut') x = x.subarray(0, i);
  }
  return x;
}
export const stream = fc.oneof(
  { weight: 3, arbitrary: validStream },
  { weight: 6, arbitrary: fc.tuple(validStream, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => mutate(s, ms)) },
  { weight: 1, arbitrary: bytes(600) },
);

