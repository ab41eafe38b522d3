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
  failed(): Error | undefined;
  /** Reports a refusal the way the parser reports a malformed packet (the broker then closes the connection). */
  fail(err: Error): void;
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
 * Fixed-header flags each packet type must carry [MQTT-2.2.2-1] (Table 2.2): 0b0010 for PUBREL,
 * SUBSCRIBE and UNSUBSCRIBE, 0 for the others. -1: flags of its own (PUBLISH: DUP, QoS, RETAIN)
 * or none defined (type 0, reserved), where QoS 3 is malformed [MQTT-3.3.1-4]. mqtt-packet checks
 * exactly this on a packet's first byte and refuses it at once; so does this path.
 */
const REQUIRED_FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

function validFirstByte(b0: number): boolean {
  const flags = REQUIRED_FLAGS[b0 >> 4]!;
  return flags < 0 ? (b0 & 0x06) !== 0x06 : (b0 & 0x0f) === flags;
}

/** What a connection's fast path enforces. */
export interface FastPathLimits {
  /** Largest packet accepted, fixed header included (bytes); a larger one is refused once its length is read. */
  maxPacketSize: number;
}

const NO_LIMITS: FastPathLimits = { maxPacketSize: 268_435_460 }; // the largest MQTT 3.1.1 can express [MQTT-2.2.3]

/** The packet at the start of what was read is incomplete / was refused (see {@link FastPublishPath.frame}). */
const INCOMPLETE = -1;
const REFUSED = -2;

/**
 * The fast path for one connection: `parse` takes each socket read in place of the parser's own
 * `parse`. Only PUBLISH packets the parser would have parsed are decoded here instead, and offered
 * to `lane` first when they are QoS 0 and not retained.
 *
 * Hostile input is refused as early as mqtt-packet refuses it, or earlier: a wrong first byte at
 * once, a packet longer than `maxPacketSize` as soon as its length is read. What the path holds
 * between reads is one incomplete packet (at most `maxPacketSize` and the read it ends in),
 * joined once, when it is whole. After a refusal the path reads nothing more: the broker closes
 * the connection [MQTT-4.8.0-1].
 */
export class FastPublishPath {
  // The tail of earlier reads that does not hold a whole packet, and its length once known.
  private parts: Buffer[] = [];
  private partsLen = 0;
  private need = INCOMPLETE;
  // Fixed-header length of the packet packetLength() last decoded.
  private headerLen = 0;
  private readonly head = Buffer.alloc(5);
  private refused = false;
  /** Incomplete packets that were completed since the connection opened (the read timeout's progress mark). */
  completed = 0;
  /** PUBLISH packets this connection may still send in the current second (the broker refills it). */
  budget = Number.MAX_SAFE_INTEGER;
  /** Out of budget: what was read since waits, unparsed, for {@link resume}. */
  private throttled = false;
  /** Told when the budget runs out (`ranOut`), and of every read that comes while throttled: the broker stops reading from the connection. */
  onThrottle: ((ranOut: boolean) => void) | undefined;

  /** Told of every refusal, the parser's or this path's (after the parser was). */
  onRefused: ((err: Error) => void) | undefined;

  constructor(
    private readonly port: ParserPort,
    public lane: PublishLane | undefined = undefined,
    private readonly limits: FastPathLimits = NO_LIMITS,
  ) {}

  /** Bytes of an incomplete packet held since an earlier read. */
  get held(): number {
    return this.partsLen;
  }

  /** Refuses the connection's input from now on (e.g. a read timeout), reporting `err` as the parser would. */
  refuse(err: Error): void {
    if (this.refused) return;
    this.port.fail(err);
    this.stop(err);
  }

  private stop(err: Error): number {
    this.refused = true;
    this.parts = [];
    this.partsLen = 0;
    this.onRefused?.(err);
    return REFUSED;
  }

  /**
   * Gives the connection `budget` PUBLISH packets for the next second and parses what waited for
   * it; true when it is still throttled after that.
   */
  resume(budget: number): boolean {
    this.budget = budget;
    if (!this.throttled) return false;
    this.throttled = false;
    this.completed++; // progress, for the read timeout
    const waiting = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLen);
    this.parts = [];
    this.partsLen = 0;
    this.need = INCOMPLETE;
    this.parse(waiting);
    return this.throttled;
  }

  parse(chunk: Buffer): number {
    if (this.refused) return 0;
    if (this.throttled) {
      this.parts.push(chunk);
      this.partsLen += chunk.length;
      this.onThrottle?.(false);
      return this.partsLen;
    }
    let buf = chunk;
    if (this.partsLen > 0) {
      this.parts.push(chunk);
      this.partsLen += chunk.length;
      // Wait for the whole packet before joining: a large payload arrives in many reads. Its
      // length is read once, from the first bytes only.
      if (this.need === INCOMPLETE) {
        const head = this.headBytes();
        const total = this.frame(head, 0);
        if (total === REFUSED) return 0;
        if (total === INCOMPLETE) return this.partsLen;
        this.need = total;
      }
      if (this.partsLen < this.need) return this.partsLen;
      buf = Buffer.concat(this.parts, this.partsLen);
      this.parts = [];
      this.partsLen = 0;
      this.need = INCOMPLETE;
      this.completed++;
    }
    const port = this.port;
    let off = 0;
    while (off < buf.length) {
      const total = this.frame(buf, off);
      if (total === REFUSED) return 0;
      if (total === INCOMPLETE || off + total > buf.length) {
        this.need = total;
        break;
      }
      const end = off + total;
      if (buf[off]! >> 4 === PUBLISH && --this.budget < 0) {
        // Over the message rate: keep the rest for the next second, and stop reading.
        this.budget = 0;
        this.throttled = true;
        this.parts = [buf.subarray(off)];
        this.partsLen = buf.length - off;
        this.onThrottle?.(true);
        return this.partsLen;
      }
      if (buf[off]! >> 4 !== PUBLISH || !this.publish(buf, off, end)) {
        port.parse(buf.subarray(off, end));
        // Like mqtt-packet: after a malformed packet, the rest of this read is not parsed.
        const err = port.failed();
        if (err) {
          this.stop(err);
          return 0;
        }
      }
      off = end;
    }
    if (off < buf.length) {
      this.parts = [buf.subarray(off)];
      this.partsLen = buf.length - off;
    }
    return this.partsLen;
  }

  /**
   * The whole length of the packet at `buf[off]` (fixed header included); INCOMPLETE while its
   * fixed header is; REFUSED once refused: by the parser (a wrong first byte or length, handed to
   * it at once so that it reports them as it does) or here (too large).
   */
  private frame(buf: Buffer, off: number): number {
    if (!validFirstByte(buf[off]!)) return this.refuseByParser(buf.subarray(off, Math.min(buf.length, off + 5)));
    const total = this.packetLength(buf, off);
    if (total === REFUSED) return this.refuseByParser(buf.subarray(off, off + 5));
    if (total > this.limits.maxPacketSize) {
      this.refuse(new Error(`packet of ${total} bytes exceeds the maximum packet size of ${this.limits.maxPacketSize} bytes`));
      return REFUSED;
    }
    return total;
  }

  private refuseByParser(bytes: Buffer): number {
    this.port.parse(bytes);
    const err = this.port.failed();
    if (err) return this.stop(err);
    this.refuse(new Error('malformed packet'));
    return REFUSED;
  }

  /** The first bytes (up to 5: a fixed header at most) of the held parts, copied into one buffer. */
  private headBytes(): Buffer {
    const head = this.head;
    let n = 0;
    for (const p of this.parts) {
      const k = Math.min(p.length, head.length - n);
      p.copy(head, n, 0, k);
      n += k;
      if (n === head.length) break;
    }
    return head.subarray(0, n);
  }

  /** Length of the packet starting at `off` (header included), INCOMPLETE, or REFUSED if invalid [MQTT-2.2.3]. */
  private packetLength(buf: Buffer, off: number): number {
    let value = 0;
    let mul = 1;
    for (let i = 1; i <= 4; i++) {
      if (off + i >= buf.length) return INCOMPLETE;
      const b = buf[off + i]!;
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        this.headerLen = 1 + i;
        return this.headerLen + value;
      }
      mul *= 0x80;
    }
    return REFUSED;
  }

  /** Decodes one whole PUBLISH at [off, end); false when it is not one this path handles. */
  private publish(buf: Buffer, off: number, end: number): boolean {
    const b0 = buf[off]!;
    const qos = (b0 >> 1) & 3;
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
