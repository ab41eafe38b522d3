import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { BrokerAccess } from '../../src/sources/mqtt/broker-access.js';
import { EmbeddedBroker } from '../../src/sources/mqtt/embedded-broker.js';

const mqttPacket = createRequire(import.meta.url)('mqtt-packet') as { generate(p: object): Buffer };

/**
 * The embedded broker is still a broker with its PUBLISH fast path (fast-publish.ts): what
 * sensors publish reaches the gateway and every subscriber, byte for byte, at QoS 0, 1 and 2,
 * retained messages are kept, and a Mosquitto client (another MQTT implementation) publishes to it.
 */
describe('embedded broker with the PUBLISH fast path', () => {
  const { broker, clients } = brokerUnderTest();

  it('ingests and forwards every publish, keeps retained ones, and serves mosquitto_pub', async () => {
    const ingested: [string, string][] = [];
    const port = await broker.start((topic, payload) => ingested.push([topic, payload.toString('utf8')]));
    const url = `mqtt://127.0.0.1:${port}`;
    const sub = await mqtt.connectAsync(url, { clientId: 'dashboard' });
    clients.push(sub);
    const forwarded: [string, string, number][] = [];
    sub.on('message', (topic, payload, packet) => forwarded.push([topic, payload.toString('utf8'), packet.qos]));
    await sub.subscribeAsync('plant/#', { qos: 2 });

    const sensor = await mqtt.connectAsync(url, { clientId: 'sensor' });
    clients.push(sensor);
    const big = 'x'.repeat(200_000); // spans many socket reads (the default maximum packet size is 256 KiB)
    const sent: [string, string, 0 | 1 | 2][] = [
      ['plant/p-1/temp', '71.5', 0],
      ['plant/p-1/temp', '{"value":72,"ts":1764072000}', 1],
      ['plant/ünï/温度', 'ok', 2],
      ['plant/p-2/blob', big, 1],
    ];
    for (const [t, p, qos] of sent) await sensor.publishAsync(t, p, { qos });
    await sensor.publishAsync('plant/p-1/state', 'running', { qos: 1, retain: true });
    // (Not spawnSync: the broker runs in this process.)
    await promisify(execFile)('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'plant/p-3/temp', '-m', '55', '-q', '1', '-V', 'mqttv311']);

    const expected = [...sent.map(([t, p]) => [t, p]), ['plant/p-1/state', 'running'], ['plant/p-3/temp', '55']];
    await waitUntil(() => forwarded.length >= expected.length);
    expect(ingested).toEqual(expected);
    // Order to a subscriber holds per QoS level only (MQTT 3.1.1 §4.6): compare sorted.
    const byTopic = (a: string[], b: string[]) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`);
    expect(forwarded.map(([t, p]) => [t, p]).sort(byTopic)).toEqual([...expected].sort(byTopic));
    expect(forwarded.find(([t]) => t === 'plant/ünï/温度')?.[2]).toBe(2);

    // A client that subscribes later gets the retained message.
    const late = await mqtt.connectAsync(url, { clientId: 'late' });
    clients.push(late);
    const retained: string[] = [];
    late.on('message', (topic, payload, packet) => packet.retain && retained.push(`${topic}=${payload.toString('utf8')}`));
    await late.subscribeAsync('plant/+/state');
    await waitUntil(() => retained.length > 0);
    expect(retained).toEqual(['plant/p-1/state=running']);

    // Every packet kind above was written, and mqtt-packet's cache of 65,536 two-byte Buffers
    // (~7 MB of heap that every major GC marks) was never built (core/mqtt-packet-writer.ts).
    const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  });
});

describe('embedded broker before anyone subscribes', () => {
  const { broker, clients } = brokerUnderTest();

  it('skips only the fan-out: retained messages are kept, and a subscription restores forwarding', async () => {
    const ingested: string[] = [];
    const port = await broker.start((topic, payload) => ingested.push(`${topic}=${payload.toString('utf8')}`));
    const url = `mqtt://127.0.0.1:${port}`;
    const sensor = await mqtt.connectAsync(url, { clientId: 'sensor' });
    clients.push(sensor);
    await sensor.publishAsync('plant/p-9/temp', '1', { qos: 0 });
    await sensor.publishAsync('plant/p-9/state', 'idle', { qos: 1, retain: true });
    await waitUntil(() => ingested.length === 2);

    const sub = await mqtt.connectAsync(url, { clientId: 'dashboard' });
    clients.push(sub);
    const got: string[] = [];
    sub.on('message', (topic, payload, packet) => got.push(`${topic}=${payload.toString('utf8')}${packet.retain ? ' (retained)' : ''}`));
    await sub.subscribeAsync('plant/#', { qos: 1 });
    await waitUntil(() => got.length === 1);
    await sensor.publishAsync('plant/p-9/temp', '2', { qos: 0 });
    await sensor.publishAsync('plant/p-9/temp', '3', { qos: 1 });
    await waitUntil(() => got.length === 3);
    expect(got).toEqual(['plant/p-9/state=idle (retained)', 'plant/p-9/temp=2', 'plant/p-9/temp=3']);
    expect(ingested).toEqual(['plant/p-9/temp=1', 'plant/p-9/state=idle', 'plant/p-9/temp=2', 'plant/p-9/temp=3']);
  });
});

describe("embedded broker's QoS 0 lane (no subscriber yet)", () => {
  const { broker, clients } = brokerUnderTest();
  const ingested: string[] = [];
  let port = 0;


  it('ingests in the order sent, with what was sent before the CONNACK, mixed with QoS 1', async () => {
    // The lane hands its messages over with what its topic resolved to; the rest come through aedes.
    port = await broker.start(
      (topic, payload) => ingested.push(`${topic}=${payload.toString('utf8')}`),
      undefined,
      { resolve: (topic) => topic, ingest: (topic, payload) => ingested.push(`${topic}=${payload.toString('utf8')}`) },
    );
    ingested.length = 0;
    const mixed = [pub('plant/p-1/t', '1'), pub('plant/p-1/t', '2', 1), pub('plant/p-1/t', '3'), pub('plant/p-1/t', '4', 0, { retain: true }), pub('plant/p-1/t', '5')];
    const all = ['plant/p-1/t=1', 'plant/p-1/t=2', 'plant/p-1/t=3', 'plant/p-1/t=4', 'plant/p-1/t=5'];
    expect(await raw(port, 'early', mixed, { early: true })).toEqual({ closed: false });
    expect(ingested).toEqual(all);
    ingested.length = 0;
    expect(await raw(port, 'later', mixed)).toEqual({ closed: false });
    expect(ingested).toEqual(all);
  });

  it('leaves topics aedes refuses to aedes, which drops the client as before', async () => {
    for (const bad of ['plant/+/t', 'plant/#', Array.from({ length: 101 }, () => 'x').join('/')]) {
      ingested.length = 0;
      const r = await raw(port, 'bad', [pub('plant/ok', '1'), pub(bad, '2'), pub('plant/ok', '3')], { ms: 2000 });
      expect(r.closed, bad).toBe(true);
      expect(ingested, bad).toEqual(['plant/ok=1']);
    }
    // `$` topics are outside `#` [MQTT-4.7.2-1]: refused unless an ACL names them; `$SYS/` is the
    // broker's own whatever the ACL (aedes refuses a client's publish there by default:
    // `$SYS/<id>/new/clients` would disconnect another client).
    ingested.length = 0;
    expect(await raw(port, 'dollar', [pub('$share/x', '1'), pub('plant/ok', '2')], { ms: 2000 })).toEqual({ closed: true });
    expect(ingested).toEqual([]);
    expect(broker.refusals.of('dollar').publish).toBe(1);
    expect(await raw(port, 'sys', [pub('$SYS/x/new/clients', 'dollar'), pub('plant/ok', '3')], { ms: 2000 })).toEqual({ closed: true });
    expect(ingested).toEqual([]);
    expect(broker.refusals.of('sys').publish).toBe(1);
  });

  it("keeps a publishing client's keep-alive alive like aedes does", async () => {
    // A client that only publishes (no PINGREQ) is alive: the broker drops one silent for 1.5 × keep-alive.
    ingested.length = 0;
    const pubs = Array.from({ length: 15 }, (_, i) => pub('plant/ka/t', String(i)));
    expect(await raw(port, 'ka', pubs, { keepalive: 1, gapMs: 200, ms: 100 })).toEqual({ closed: false });
    expect(ingested).toHaveLength(15);
    // ...and one that goes silent is dropped, as before.
    expect(await raw(port, 'quiet', pubs.slice(0, 1), { keepalive: 1, ms: 2500 })).toEqual({ closed: true });
  });
});

describe("embedded broker's QoS 0 lane applies publish authorization", () => {
  // Each device may publish under plant/<its client id>/ only.
  const access = new BrokerAccess({ allowAnonymous: true, anonymous: { publish: ['plant/{client}/#'], subscribe: [] }, users: [] });
  const broker = new EmbeddedBroker('127.0.0.1', 0, silentLogger, { access });
  afterAll(() => broker.stop());
  /** What was ingested, and by which path: `lane` (the QoS 0 lane) or `aedes`. */
  const got: string[] = [];
  let port = 0;

  it('takes an allowed topic on the lane once the hook allowed it, and refuses and counts one outside', async () => {
    port = await broker.start(
      (topic, payload) => got.push(`aedes ${topic}=${payload.toString('utf8')}`),
      undefined,
      { resolve: (topic) => topic, ingest: (topic, payload, read, s, e) => got.push(`lane ${read.toString('utf8', s, e)}=${payload.toString('utf8')}`) },
    );
    const mine = [1, 2, 3].map((i) => pub('plant/a/t', String(i)));
    expect(await raw(port, 'a', [...mine, pub('plant/b/t', 'stolen'), pub('plant/a/t', '4')], { ms: 2000 })).toEqual({ closed: true });
    // The first publish to a topic asks the hook (aedes's path), the next ones ride the lane; the
    // publish outside the device's topics closes the connection, as aedes does [MQTT-3.3.5-2].
    expect(got).toEqual(['aedes plant/a/t=1', 'lane plant/a/t=2', 'lane plant/a/t=3']);
    expect(broker.refusals.of('a')).toMatchObject({ publish: 1 });
  });

  it("does not let another client, or the same one reconnected, inherit a connection's grants", async () => {
    got.length = 0;
    // `a`'s grant for plant/a/t was its connection's: `b` is asked about it, and refused.
    expect(await raw(port, 'b', [pub('plant/a/t', 'spoof'), pub('plant/b/t', '1')], { ms: 2000 })).toEqual({ closed: true });
    expect(got).toEqual([]);
    expect(broker.refusals.of('b')).toMatchObject({ publish: 1 });
    // `a` again, on a new connection: asked again before the lane takes over.
    expect(await raw(port, 'a', [pub('plant/a/t', '5'), pub('plant/a/t', '6')])).toEqual({ closed: false });
    expect(got).toEqual(['aedes plant/a/t=5', 'lane plant/a/t=6']);
    expect(broker.refusals.totals.publish).toBe(2);
  });

  it('asks the hook about a retained or QoS 1 publish every time, on any topic', async () => {
    got.length = 0;
    const r = await raw(port, 'c', [pub('plant/c/t', '1'), pub('plant/c/t', '2', 1), pub('plant/c/t', '3', 0, { retain: true }), pub('plant/x/t', '4', 1)], { ms: 2000 });
    expect(r).toEqual({ closed: true });
    expect(got).toEqual(['aedes plant/c/t=1', 'aedes plant/c/t=2', 'aedes plant/c/t=3']);
    expect(broker.refusals.of('c').publish).toBe(1);
  });
});

describe('embedded broker against hostile input', () => {
  const broker = new EmbeddedBroker('127.0.0.1', 0, silentLogger, { readTimeout: 300 });
  afterAll(() => broker.stop());
  const got: string[] = [];
  let port = 0;

  /** Writes `bytes` (after a CONNECT unless `bare`) and resolves once the broker closes the socket. */
  function send(bytes: Buffer, o: { bare?: boolean; keepalive?: number } = {}): Promise<void> {
    return new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.on('error', () => undefined);
      sock.on('close', () => resolve());
      if (o.bare) sock.write(bytes);
      else {
        sock.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'hostile', clean: true, keepalive: o.keepalive ?? 0 }));
        sock.once('data', () => sock.write(bytes));
      }
    });
  }

  it('refuses QoS 3 with a 268 MB length at once, before any CONNECT', async () => {
    port = await broker.start((topic, payload) => got.push(`${topic}=${payload.length}`));
    // Were the 5 bytes buffered, the socket would stay open until the CONNECT timeout (30 s) while
    // the client sends its 200 MB; the test would time out.
    await send(Buffer.concat([Buffer.from([0x36, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(64 * 1024)]), { bare: true });
    expect(broker.refusals.totals.packet).toBe(1);
  });

  it('refuses a PUBLISH over the maximum packet size without ingesting it', async () => {
    const big = mqttPacket.generate({ cmd: 'publish', topic: 'plant/p-1/blob', payload: Buffer.alloc(300_000), qos: 0 });
    await send(big);
    expect(got).toEqual([]);
    expect(broker.refusals.of('hostile').packet).toBe(1);
  });

  it('closes a keep-alive 0 connection holding a half-sent PUBLISH after the read timeout', async () => {
    const half = mqttPacket.generate({ cmd: 'publish', topic: 'plant/p-1/t', payload: Buffer.alloc(1000), qos: 0 }).subarray(0, 500);
    await send(half, { keepalive: 0 });
    expect(got).toEqual([]);
    expect(broker.refusals.of('hostile').packet).toBe(2);
  });
});

describe('embedded broker message-rate limit', () => {
  const clock = new ManualClock();
  const broker = new EmbeddedBroker('127.0.0.1', 0, silentLogger, { messageRate: 10, clock });
  afterAll(() => broker.stop());

  it('slows a flooding client to its rate without losing its messages or starving another client', async () => {
    const got: string[] = [];
    const port = await broker.start((topic, payload) => got.push(`${topic}=${payload.toString('utf8')}`));
    const flood = raw(port, 'flood', [Buffer.concat(Array.from({ length: 35 }, (_, i) => mqttPacket.generate(pub('plant/flood/t', String(i)))))], { ms: 20_000 });
    const fromFlood = () => got.filter((g) => g.startsWith('plant/flood')).length;
    await waitUntil(() => fromFlood() === 10);
    // Another client meanwhile is read as usual.
    expect(await raw(port, 'calm', [pub('plant/calm/t', '1')], { ms: 300 })).toEqual({ closed: false });
    expect(got).toContain('plant/calm/t=1');
    expect(fromFlood()).toBe(10);
    for (const want of [20, 30, 35]) {
      await clock.advance(1000);
      await waitUntil(() => fromFlood() === want);
    }
    expect(got.filter((g) => g.startsWith('plant/flood'))).toEqual(Array.from({ length: 35 }, (_, i) => `plant/flood/t=${i}`));
    expect(broker.refusals.of('flood').rate).toBe(3);
    void flood;
  });
});

/**
 * A raw MQTT connection: sends CONNECT and then `packets` (objects for mqtt-packet, or bytes), each entry one write (`early`: all
 * with the CONNECT, before the CONNACK; else from the CONNACK on, `gapMs` apart). Resolves when
 * the broker closes it or `ms` after the last write.
 */
function raw(port: number, id: string, packets: object[], o: { early?: boolean; keepalive?: number; gapMs?: number; ms?: number } = {}): Promise<{ closed: boolean }> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ closed });
    };
    sock.on('error', () => undefined);
    sock.on('close', () => finish(true));
    const connectPacket = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: id, clean: true, keepalive: o.keepalive ?? 30 };
    const gen = (ps: object[]) => Buffer.concat(ps.map((p) => (Buffer.isBuffer(p) ? p : mqttPacket.generate(p))));
    if (o.early) {
      sock.write(gen([connectPacket, ...packets]));
      setTimeout(() => finish(false), o.ms ?? 500);
      return;
    }
    sock.write(gen([connectPacket]));
    sock.once('data', async () => {
      for (const p of packets) {
        if (done) return;
        sock.write(gen([p]));
        if (o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
      }
      setTimeout(() => finish(false), o.ms ?? 500);
    });
  });
}

const pub = (topic: string, payload: string, qos = 0, extra: object = {}) => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, ...(qos > 0 ? { messageId: 7 } : {}), ...extra });

/** A fresh embedded broker and a list of the clients a test opens, all closed after the describe block. */
function brokerUnderTest(): { broker: EmbeddedBroker; clients: mqtt.MqttClient[] } {
  const broker = new EmbeddedBroker('127.0.0.1', 0, silentLogger);
  const clients: mqtt.MqttClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await broker.stop();
  });
  return { broker, clients };
}

async function waitUntil(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
