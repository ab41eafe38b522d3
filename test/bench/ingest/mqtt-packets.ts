/**
 * Just enough MQTT 3.1.1 encoding for a load generator that spends its time on the wire, not in
 * a client library: CONNECT and PUBLISH, pre-encoded once and written as slices of one buffer.
 */

/** Remaining Length: 7 bits a byte, high bit = more follows [MQTT-2.2.3]. */
function varLen(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const h = Buffer.alloc(2);
  h.writeUInt16BE(b.length);
  return Buffer.concat([h, b]);
}

/** CONNECT, clean session, keep-alive off (0) so the broker never expects PINGREQ [MQTT-3.1.2-24]. */
export function connectPacket(clientId: string): Buffer {
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 0]), str(clientId)]);
  return Buffer.concat([Buffer.from([0x10, ...varLen(body.length)]), body]);
}

/**
 * A PUBLISH packet. With QoS 1 it carries a packet identifier; `idOffset` says where, so a
 * pre-encoded packet can be re-used with a fresh id [MQTT-2.3.1-2].
 */
export function publishPacket(topic: string, payload: string, qos: 0 | 1): { buf: Buffer; idOffset: number } {
  const t = str(topic);
  const p = Buffer.from(payload, 'utf8');
  const rest = t.length + (qos ? 2 : 0) + p.length;
  const head = Buffer.from([0x30 | (qos << 1), ...varLen(rest)]);
  const id = qos ? Buffer.alloc(2) : Buffer.alloc(0);
  return { buf: Buffer.concat([head, t, id, p]), idOffset: qos ? head.length + t.length : -1 };
}

/** Many packets laid out back to back, so a run of them is one `subarray` and one `write`. */
export class PacketPool {
  readonly buf: Buffer;
  /** Start of packet i; `offsets[count]` is the end of the last. */
  readonly offsets: Uint32Array;
  readonly idOffsets: Int32Array;
  readonly count: number;

  constructor(packets: { buf: Buffer; idOffset: number }[]) {
    this.count = packets.length;
    this.offsets = new Uint32Array(packets.length + 1);
    this.idOffsets = new Int32Array(packets.length);
    let o = 0;
    packets.forEach((p, i) => {
      this.offsets[i] = o;
      this.idOffsets[i] = p.idOffset < 0 ? -1 : o + p.idOffset;
      o += p.buf.length;
    });
    this.offsets[packets.length] = o;
    this.buf = Buffer.concat(packets.map((p) => p.buf));
  }
}
