/**
 * A faster read path for MQTT 3.1.1 PUBLISH packets, in front of aedes' own parser (mqtt-packet).
 *
 * mqtt-packet parses a socket read through a buffer list, a state machine and ~10 `debug()` calls
 * per packet; at 10^5 publishes/s that was a fifth of the gateway's core (test/bench). This path
 * splits each read into whole packets itself, decodes PUBLISH packets straight from the Buffer
 * (same fields as mqtt-packet: cmd, retain, qos, dup, length, topic, payload, messageId) and hands
 * every other packet, byte for byte, to the original parser, which emits it as before. Anything
 * it does not fully understand (a malformed PUBLISH, a bad length) also goes to the original
 * parser, so errors and connection handling stay aedes' own. A differential test
 * (test/unit/sources/mqtt-fast-publish.test.ts) checks it against mqtt-packet on random streams cut at
 * random places.
 */
import { createRequire } from 'node:module';

/** The parts of mqtt-packet's Parser this path uses. */
export interface PacketParser {
  parse(buf: Buffer): number;
  emit(event: 'packet', packet: object): boolean;
  settings?: { protocolVersion?: number };
  /** Set by mqtt-packet when a packet was malformed (it then stops parsing that read). */
  error?: unknown;
}

/** A PUBLISH as mqtt-packet emits it (its own Packet class has the same fields). */
export class PublishPacket {
  readonly cmd = 'publish';
  messageId: number | undefined;
  constructor(
    public retain: boolean,
    public qos: number,
    public dup: boolean,
    public length: number,
    public topic: string,
    public payload: Buffer,
  ) {}
}

const PUBLISH = 3;
const installed = new WeakSet<PacketParser>();

/**
 * mqtt.js builds its parser inside `connect()` (again on every reconnect) through mqtt-packet's
 * `parser()`, with no hook to reach it; this wraps that factory, once per process, so every parser
 * made from then on (the plant-broker client's, aedes') takes the fast path. MQTT 5 parsers
 * (`protocolVersion: 5`) keep mqtt-packet's path.
 */
export function useFastPublishParsers(): void {
  const mod = createRequire(import.meta.url)('mqtt-packet') as { parser: (opts?: object) => PacketParser; fastPublish?: boolean };
  if (mod.fastPublish) return;
  const make = mod.parser;
  mod.parser = (opts?: object) => {
    const p = make(opts);
    installFastPublish(p);
    return p;
  };
  mod.fastPublish = true;
}

/**
 * Takes a well-formed QoS 0 PUBLISH without the retain flag, whole, instead of the parser's
 * listener (the broker): returns false to let it go the usual way. The topic is the UTF-8 bytes
 * `read[topicStart, topicEnd)`, the payload a view of the same socket read: copy them to keep them.
 */
export type PublishLane = (read: Buffer, topicStart: number, topicEnd: number, payload: Buffer) => boolean;

/**
 * Replaces `parser.parse` with the fast path. The parser keeps its listeners, state and
 * errors; only PUBLISH packets it would have parsed are decoded here instead, and offered to
 * `lane` first when they are QoS 0 and not retained.
 */
export function installFastPublish(parser: PacketParser, lane?: PublishLane): void {
  if (installed.has(parser)) return;
  installed.add(parser);
  const original = parser.parse.bind(parser);
  // The tail of the previous read that did not hold a whole packet.
  let parts: Buffer[] = [];
  let partsLen = 0;

  // Fixed-header length of the packet packetLength() last decoded.
  let headerLen = 0;
  /** Length of the packet starting at `off` (header included), -1 while incomplete, -2 if invalid. */
  const packetLength = (buf: Buffer, off: number): number => {
    let value = 0;
    let mul = 1;
    for (let i = 1; i <= 4; i++) {
      if (off + i >= buf.length) return -1;
      const b = buf[off + i]!;
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        headerLen = 1 + i;
        return headerLen + value;
      }
      mul *= 0x80;
    }
    return -2;
  };

  /** Decodes one whole PUBLISH at [off, end); false when it is not one this path handles. */
  const publish = (buf: Buffer, off: number, end: number): boolean => {
    const b0 = buf[off]!;
    const qos = (b0 >> 1) & 3;
    if (qos === 3) return false;
    let p = off + headerLen;
    if (p + 2 > end) return false;
    const topicLen = buf.readUInt16BE(p);
    p += 2;
    if (p + topicLen > end) return false;
    const topicStart = p;
    p += topicLen;
    let messageId: number | undefined;
    if (qos > 0) {
      if (p + 2 > end) return false;
      messageId = buf.readUInt16BE(p);
      p += 2;
    }
    const payload = buf.subarray(p, end);
    if (qos === 0 && (b0 & 1) === 0 && lane !== undefined && lane(buf, topicStart, topicStart + topicLen, payload)) return true;
    const topic = buf.toString('utf8', topicStart, topicStart + topicLen);
    const packet = new PublishPacket((b0 & 1) !== 0, qos, (b0 & 8) !== 0, end - off - headerLen, topic, payload);
    packet.messageId = messageId;
    parser.emit('packet', packet);
    return true;
  };

  parser.parse = (chunk: Buffer): number => {
    if (parser.settings?.protocolVersion === 5) return original(chunk);
    let buf = chunk;
    if (partsLen > 0) {
      parts.push(chunk);
      partsLen += chunk.length;
      // Wait for the whole packet before joining: a large payload arrives in many reads.
      const head = parts[0]!.length >= 5 ? parts[0]! : Buffer.concat(parts, partsLen);
      const need = packetLength(head, 0);
      if (need === -1 || (need > 0 && partsLen < need)) return partsLen;
      buf = Buffer.concat(parts, partsLen);
      parts = [];
      partsLen = 0;
    }
    let off = 0;
    while (off < buf.length) {
      const total = packetLength(buf, off);
      if (total === -2) return original(buf.subarray(off)); // invalid length: the original parser reports it
      if (total === -1 || off + total > buf.length) break;
      const end = off + total;
      if (buf[off]! >> 4 !== PUBLISH || !publish(buf, off, end)) {
        original(buf.subarray(off, end));
        // Like mqtt-packet: after a malformed packet, the rest of this read is not parsed.
        if (parser.error) return 0;
      }
      off = end;
    }
    if (off < buf.length) {
      parts = [buf.subarray(off)];
      partsLen = buf.length - off;
    }
    return partsLen;
  };
}
