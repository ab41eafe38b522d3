import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { fastParserOptions, installFastPath, type MqttPacketParser } from '../../../src/sources/mqtt/aedes-internals.js';
import type { PublishLane } from '../../../src/sources/mqtt/fast-publish.js';

// mqtt-packet is what aedes parses with (a dependency of aedes and mqtt); typed here for the test.
interface Parser extends MqttPacketParser {
  on(event: 'packet', cb: (p: Record<string, unknown>) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
}
const mqttPacket = createRequire(import.meta.url)('mqtt-packet') as { parser(opts?: object): Parser; generate(p: object): Buffer };

/** What a parser emitted, as comparable text. */
function run(stream: Buffer, cuts: number[], fast: boolean, takes?: (topic: string) => boolean): string[] {
  const p = mqttPacket.parser();
  const out: string[] = [];
  const lane: PublishLane | undefined =
    takes &&
    ((read, start, end, payload) => {
      const topic = read.toString('utf8', start, end);
      return takes(topic) && out.push(laneEntry(topic, payload)) > 0;
    });
  if (fast) installFastPath(p, lane);
  p.on('packet', (pk) => {
    const o: Record<string, unknown> = {};
    for (const k of ['cmd', 'retain', 'qos', 'dup', 'length', 'topic', 'messageId', 'subscriptions', 'clientId', 'keepalive']) if (pk[k] !== undefined && pk[k] !== null) o[k] = pk[k];
    if (Buffer.isBuffer(pk.payload)) o.payload = pk.payload.toString('hex');
    out.push(JSON.stringify(o));
  });
  p.on('error', (e) => out.push(`error: ${e.message}`));
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    if (c > at) p.parse(stream.subarray(at, c));
    at = Math.max(at, c);
  }
  return out;
}

const laneEntry = (topic: string, payload: Buffer) => `lane ${topic} ${payload.toString('hex')}`;

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('fast PUBLISH path in front of mqtt-packet', () => {
  it('emits exactly what mqtt-packet emits, for random packet streams cut at random places', () => {
    const rnd = rng(7);
    for (let round = 0; round < 200; round++) {
      const packets: object[] = [{ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `c${round}`, clean: true, keepalive: 30 }];
      const n = 1 + Math.floor(rnd() * 40);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        if (r < 0.75) {
          const qos = Math.floor(rnd() * 3);
          // Payload sizes across the 1-, 2- and 3-byte remaining-length boundaries, now and then large.
          const size = rnd() < 0.05 ? 20_000 + Math.floor(rnd() * 200_000) : Math.floor(rnd() * 300);
          const topic = rnd() < 0.2 ? `s/ünï/${i}/温度` : `s/a${Math.floor(rnd() * 100)}/t${i}`;
          packets.push({ cmd: 'publish', topic, payload: Buffer.alloc(size, i % 251), qos, retain: rnd() < 0.1, dup: qos > 0 && rnd() < 0.1, ...(qos > 0 ? { messageId: 1 + Math.floor(rnd() * 65000) } : {}) });
        } else if (r < 0.85) packets.push({ cmd: 'subscribe', messageId: 1 + i, subscriptions: [{ topic: 'x/#', qos: 1 }] });
        else if (r < 0.95) packets.push({ cmd: 'puback', messageId: 1 + i });
        else packets.push({ cmd: 'pingreq' });
      }
      const stream = Buffer.concat(packets.map((p) => mqttPacket.generate(p)));
      const cuts = Array.from({ length: Math.floor(rnd() * 30) }, () => Math.floor(rnd() * stream.length)).sort((a, b) => a - b);
      if (round % 10 === 0) for (let i = 1; i < Math.min(stream.length, 400); i++) cuts.push(i); // byte by byte at the start
      cuts.sort((a, b) => a - b);
      const expected = run(stream, cuts, false);
      expect(expected.length).toBe(packets.length);
      expect(run(stream, cuts, true)).toEqual(expected);
    }
  });

  it('offers QoS 0 publishes without retain to the lane, in stream order, and emits the rest and what it declines', () => {
    const rnd = rng(11);
    const takes = (topic: string) => topic.length % 2 === 0;
    let taken = 0;
    for (let round = 0; round < 100; round++) {
      const packets: object[] = [{ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `c${round}`, clean: true, keepalive: 30 }];
      for (let i = 0; i < 30; i++) {
        const qos = Math.floor(rnd() * 3);
        if (rnd() < 0.1) packets.push({ cmd: 'pingreq' });
        packets.push({ cmd: 'publish', topic: `s/a${Math.floor(rnd() * 100)}/t${i}`, payload: Buffer.alloc(Math.floor(rnd() * 300), i), qos, retain: rnd() < 0.2, ...(qos > 0 ? { messageId: 1 + i } : {}) });
      }
      const stream = Buffer.concat(packets.map((p) => mqttPacket.generate(p)));
      const cuts = Array.from({ length: Math.floor(rnd() * 20) }, () => Math.floor(rnd() * stream.length)).sort((a, b) => a - b);
      // mqtt-packet's output, with what the lane should take in its place.
      const expected = run(stream, cuts, false).map((l) => {
        const o = JSON.parse(l) as { cmd: string; qos?: number; retain?: boolean; topic?: string; payload?: string };
        if (o.cmd !== 'publish' || o.qos !== 0 || o.retain || !takes(o.topic!)) return l;
        taken++;
        return laneEntry(o.topic!, Buffer.from(o.payload ?? '', 'hex'));
      });
      expect(run(stream, cuts, true, takes)).toEqual(expected);
    }
    expect(taken).toBeGreaterThan(100);
  });

  it('leaves malformed packets to mqtt-packet, which reports them as before', () => {
    const good = mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('1'), qos: 0 });
    const qos3 = Buffer.from(good);
    qos3[0] = 0x36; // QoS bits 11
    const shortTopic = Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]); // topic length 9, 1 byte present
    const badLength = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    for (const bad of [qos3, shortTopic, badLength]) {
      const stream = Buffer.concat([good, bad, good, good]);
      const expected = run(stream, [], false);
      expect(expected.some((l) => l.startsWith('error:'))).toBe(true);
      expect(run(stream, [], true)).toEqual(expected);
    }
    // A QoS 1 PUBLISH too short for its message id: mqtt-packet emits it with messageId -1 (no
    // error); the fast path hands it over rather than decide otherwise.
    const qos1NoId = Buffer.concat([good, Buffer.from([0x32, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x62])]);
    expect(run(qos1NoId, [], true)).toEqual(run(qos1NoId, [], false));
  });

  it('reaches the parsers mqtt.js builds with marked options, and no other parser', () => {
    const proto = Object.getPrototypeOf(mqttPacket.parser()) as Parser;
    const opts = fastParserOptions({ clientId: 'x' });
    // mqtt.js copies the options it is given with a spread before it builds its parser.
    const p = mqttPacket.parser({ ...opts });
    expect(p.parse).not.toBe(proto.parse);
    expect(mqttPacket.parser().parse).toBe(proto.parse);
    expect(mqttPacket.parser({ clientId: 'x' }).parse).toBe(proto.parse);
    const seen: unknown[] = [];
    p.on('packet', (pk) => seen.push(pk));
    p.parse(mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('7'), qos: 0 }));
    expect(seen[0]).toMatchObject({ cmd: 'publish', topic: 'a/b' });
    expect((seen[0] as object).constructor.name).toBe('PublishPacket');
  });

  /** A parser with the fast path and what it emitted. */
  function fastParser(maxPacketSize?: number) {
    const p = mqttPacket.parser();
    const path = installFastPath(p, undefined, maxPacketSize === undefined ? undefined : { maxPacketSize });
    const out: string[] = [];
    p.on('packet', (pk) => out.push(String(pk.cmd)));
    p.on('error', (e) => out.push(`error: ${e.message}`));
    return { p, path, out };
  }

  it('refuses a PUBLISH with QoS 3 on its first byte, as mqtt-packet does, and holds nothing of what follows', () => {
    const { p, path, out } = fastParser();
    // QoS 3 and a length of 268 MB: mqtt-packet refuses these 5 bytes at once.
    expect(p.parse(Buffer.from([0x36, 0xff, 0xff, 0xff, 0x7f]))).toBe(0);
    expect(out).toEqual(['error: Packet must not have both QoS bits set to 1']);
    expect(path.held).toBe(0);
    expect(p.parse(Buffer.alloc(1 << 20))).toBe(0);
    expect(out).toHaveLength(1);
    // Alone, split from its length bytes, or after a good packet: refused on the byte.
    for (const reads of [[[0x36]], [[0x30, 0x02, 0x00, 0x00, 0x36], [0xff]]]) {
      const f = fastParser();
      for (const r of reads) f.p.parse(Buffer.from(r));
      expect(f.out.at(-1)).toBe('error: Packet must not have both QoS bits set to 1');
      expect(f.path.held).toBe(0);
    }
  });

  it('refuses a packet longer than the maximum packet size as soon as its length is read', () => {
    const { p, path, out } = fastParser(256 * 1024);
    // A PUBLISH announcing 100 MB, its length split over two reads.
    p.parse(Buffer.from([0x30, 0x80, 0x80]));
    expect(out).toEqual([]);
    expect(p.parse(Buffer.from([0x80, 0x30, 0x00, 0x01, 0x61]))).toBe(0);
    expect(out).toEqual(['error: packet of 100663301 bytes exceeds the maximum packet size of 262144 bytes']);
    expect(path.held).toBe(0);
    // One byte under the limit passes.
    const ok = fastParser(1000);
    ok.p.parse(mqttPacket.generate({ cmd: 'publish', topic: 'a', payload: Buffer.alloc(1000 - 6), qos: 0 }));
    expect(ok.out).toEqual(['publish']);
  });

  it('joins a packet split over many reads once, whatever size its first read was', () => {
    const packet = mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(1 << 20, 7), qos: 0 });
    for (const first of [1, 2, 4, 5, 100]) {
      const { p, out } = fastParser(2 << 20);
      const concat = vi.spyOn(Buffer, 'concat');
      let copied = 0;
      concat.mockImplementation(function (this: unknown, list: readonly Uint8Array[], len?: number) {
        const b = Buffer.allocUnsafe(len ?? list.reduce((n, x) => n + x.length, 0));
        let o = 0;
        for (const x of list) o += b.set(x, o) ?? x.length;
        copied += b.length;
        return b;
      });
      try {
        p.parse(packet.subarray(0, first));
        for (let at = first; at < packet.length; at += 1024) p.parse(packet.subarray(at, Math.min(packet.length, at + 1024)));
      } finally {
        concat.mockRestore();
      }
      expect(out, `first read ${first} bytes`).toEqual(['publish']);
      expect(copied, `first read ${first} bytes`).toBeLessThanOrEqual(packet.length);
    }
  });
});
