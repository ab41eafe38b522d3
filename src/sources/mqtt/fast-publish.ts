/**
 * A faster read path for MQTT 3.1.1 PUBLISH packets, in front of a packet parser (mqtt-packet's,
 * which aedes and mqtt.js read with).
 *
 * mqtt-packet parses a socket read through a buffer list, a state machine and ~10 `debug()` calls
 * per packet; at 10^5 publishes/s that was a fifth of the gateway's core (test/bench). This path
 * splits each read into whole packets itself, decodes PUBLISH packets straight from the Buffer
 * (same fields as mqtt-packet: cmd, retain, qos, dup, length, topic, payload, messageId) and hands
 * every other packet, byte for byte, to the parser, which emits it as before. Anything it does not
 * fully understand (a malformed PUBLISH, a bad length) also goes to the parser, so errors and
 * connection handling stay the parser's and the broker's own. A differential test
 * (test/unit/sources/mqtt-fast-publish.test.ts) checks it against mqtt-packet on random streams cut
 * at random places.
 *
 * It reaches the parser only through a {@link ParserPort}: how a port is made from mqtt-packet's
 * parser (which relies on its internals) lives in aedes-internals.ts.
 */

/** What the fast path needs of the parser it sits in front of. */
export interface ParserPort {
  /** The parser's own parse, for every byte the fast path does not decode itself. */
  parse(buf: Buffer): void;
  /** Hands a decoded PUBLISH to the parser's listeners, as the parser would. */
  emit(packet: PublishPacket): void;
  /** The parser refused what it was last given (it then parses nothing more of that read). */
  failed(): boolean;
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

/**
 * Takes a well-formed QoS 0 PUBLISH without the retain flag, whole, instead of the parser's
 * listener (the broker): returns false to let it go the usual way. The topic is the UTF-8 bytes
 * `read[topicStart, topicEnd)`, the payload a view of the same socket read: copy them to keep them.
 */
export type PublishLane = (read: Buffer, topicStart: number, topicEnd: number, payload: Buffer) => boolean;

const PUBLISH = 3;

/**
 * The fast path for one connection: `parse` takes each socket read in place of the parser's own
 * `parse`. Only PUBLISH packets the parser would have parsed are decoded here instead, and offered
 * to `lane` first when they are QoS 0 and not retained.
 */
export class FastPublishPath {
  // The tail of the previous read that did not hold a whole packet.
  private parts: Buffer[] = [];
  private partsLen = 0;
  // Fixed-header length of the packet packetLength() last decoded.
  private headerLen = 0;

  constructor(
    private readonly port: ParserPort,
    public lane: PublishLane | undefined = undefined,
  ) {}

  parse(chunk: Buffer): number {
    let buf = chunk;
    if (this.partsLen > 0) {
      const parts = this.parts;
      parts.push(chunk);
      this.partsLen += chunk.length;
      // Wait for the whole packet before joining: a large payload arrives in many reads.
      const head = parts[0]!.length >= 5 ? parts[0]! : Buffer.concat(parts, this.partsLen);
      const need = this.packetLength(head, 0);
      if (need === -1 || (need > 0 && this.partsLen < need)) return this.partsLen;
      buf = Buffer.concat(parts, this.partsLen);
      this.parts = [];
      this.partsLen = 0;
    }
    const port = this.port;
    let off = 0;
    while (off < buf.length) {
      const total = this.packetLength(buf, off);
      if (total === -2) {
        port.parse(buf.subarray(off)); // invalid length: the parser reports it
        return 0;
      }
      if (total === -1 || off + total > buf.length) break;
      const end = off + total;
      if (buf[off]! >> 4 !== PUBLISH || !this.publish(buf, off, end)) {
        port.parse(buf.subarray(off, end));
        // Like mqtt-packet: after a malformed packet, the rest of this read is not parsed.
        if (port.failed()) return 0;
      }
      off = end;
    }
    if (off < buf.length) {
      this.parts = [buf.subarray(off)];
      this.partsLen = buf.length - off;
    }
    return this.partsLen;
  }

  /** Length of the packet starting at `off` (header included), -1 while incomplete, -2 if invalid [MQTT-2.2.3]. */
  private packetLength(buf: Buffer, off: number): number {
    let value = 0;
    let mul = 1;
    for (let i = 1; i <= 4; i++) {
      if (off + i >= buf.length) return -1;
      const b = buf[off + i]!;
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        this.headerLen = 1 + i;
        return this.headerLen + value;
      }
      mul *= 0x80;
    }
    return -2;
  }

  /** Decodes one whole PUBLISH at [off, end); false when it is not one this path handles. */
  private publish(buf: Buffer, off: number, end: number): boolean {
    const b0 = buf[off]!;
    const qos = (b0 >> 1) & 3;
    if (qos === 3) return false;
    let p = off + this.headerLen;
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
    const lane = this.lane;
    if (qos === 0 && (b0 & 1) === 0 && lane !== undefined && lane(buf, topicStart, topicStart + topicLen, payload)) return true;
    const topic = buf.toString('utf8', topicStart, topicStart + topicLen);
    const packet = new PublishPacket((b0 & 1) !== 0, qos, (b0 & 8) !== 0, end - off - this.headerLen, topic, payload);
    packet.messageId = messageId;
    this.port.emit(packet);
    return true;
  }
}
