import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceSchema } from '../../src/config/schema.js';
import type { Logger } from '../../src/core/logger.js';
import { brokerOptions } from '../../src/sources/mqtt/broker-config.js';
import { EmbeddedBroker } from '../../src/sources/mqtt/embedded-broker.js';
import { hashPassword } from '../../src/sources/mqtt/passwords.js';
import { tempDir } from '../helpers/servers.js';

/**
 * The embedded broker configured as a site would: users with scrypt hashes (one from a file),
 * per-device ACLs, anonymous access off, a TLS listener with client certificates, WebSocket over
 * TLS, a connection limit. Real mqtt.js clients over real sockets.
 */
describe('embedded broker security', () => {
  const dir = tempDir('broker-tls');
  const f = (n: string) => join(dir, n);
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (o, m) => warnings.push(`${m} ${JSON.stringify(o)}`), child: () => log };
  const ingested: string[] = [];
  const clients: mqtt.MqttClient[] = [];
  let broker: EmbeddedBroker;
  let ca: Buffer;
  let url = '';

  beforeAll(async () => {
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=cbm-test-ca');
    writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    for (const [name, cn] of [['server', '127.0.0.1'], ['plc', 'plc-7'], ['stranger', 'stranger']] as const) {
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...(name === 'server' ? ['-extfile', 'san.ext'] : []));
    }
    ca = readFileSync(f('ca.crt'));
    writeFileSync(f('dashboard.hash'), `${await hashPassword('dash-pass')}\n`);
    const cfg = sourceSchema.parse({
      id: 'mq',
      type: 'mqtt',
      broker: {
        port: 0,
        users: [
          { username: 'p-101', passwordHash: await hashPassword('pump-pass'), publish: ['plant/{username}/#'], subscribe: [] },
          { username: 'dashboard', passwordHashFile: 'dashboard.hash', publish: [], subscribe: ['plant/#'] },
          { username: 'plc-7', publish: ['plant/{username}/#'], subscribe: [] },
        ],
        tls: { port: 0, websocketPort: 0, certFile: 'server.crt', keyFile: 'server.key', caFile: 'ca.crt', clientCertificates: 'request' },
        maxConnections: 8,
      },
      topics: [{ topic: 'plant/{asset}/{tag}' }],
    });
    if (cfg.type !== 'mqtt' || !cfg.broker) throw new Error('expected an mqtt source with a broker');
    broker = new EmbeddedBroker('127.0.0.1', cfg.broker.port, log, brokerOptions(cfg.broker, dir, 'sources[id=mq].broker'));
    await broker.start((topic, payload) => ingested.push(`${topic}=${payload.toString('utf8')}`));
    url = `mqtt://127.0.0.1:${broker.ports.mqtt}`;
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Connects and returns the client, or the CONNACK refusal's return code. */
  async function open(u: string, o: mqtt.IClientOptions): Promise<mqtt.MqttClient | number | string> {
    try {
      const c = await mqtt.connectAsync(u, { reconnectPeriod: 0, connectTimeout: 5000, ...o });
      clients.push(c);
      return c;
    } catch (e) {
      return (e as { code?: number | string }).code ?? -1;
    }
  }

  it('refuses anonymous clients and wrong passwords, counted per client and logged once', async () => {
    expect(await open(url, { clientId: 'anon' })).toBe(5);
    expect(await open(url, { clientId: 'guess', username: 'p-101', password: 'wrong' })).toBe(4);
    expect(await open(url, { clientId: 'guess', username: 'p-101', password: 'wrong-again' })).toBe(4);
    expect(broker.refusals.of('anon').connect).toBe(1);
    expect(broker.refusals.of('guess').connect).toBe(2);
    expect(warnings.filter((w) => w.includes('"client":"guess"'))).toHaveLength(1);
    // Without a client id (aedes makes one up per connection) a client is known by its address.
    for (let i = 0; i < 3; i++) expect(await open(url, { clientId: '', clean: true })).toBe(5);
    expect(broker.refusals.of('127.0.0.1').connect).toBe(3);
    expect(warnings.filter((w) => w.includes('"client":"127.0.0.1"'))).toHaveLength(1);
  });

  it('lets a device publish its own topics on the fast lane and refuses, counts and disconnects it outside them', async () => {
    const pump = (await open(url, { clientId: 'p-101-sensor', username: 'p-101', password: 'pump-pass' })) as mqtt.MqttClient;
    for (const v of ['1', '2', '3']) await pump.publishAsync('plant/p-101/temp', v, { qos: 0 });
    await waitUntil(() => ingested.length === 3);
    const closed = new Promise<void>((r) => pump.once('close', () => r()));
    await pump.publishAsync('plant/p-102/temp', 'spoofed', { qos: 0 });
    await closed;
    expect(ingested).toEqual(['plant/p-101/temp=1', 'plant/p-101/temp=2', 'plant/p-101/temp=3']);
    expect(broker.refusals.of('p-101-sensor').publish).toBe(1);
  });

  it('refuses a subscriber `#` and grants the filters its ACL covers', async () => {
    const dash = (await open(url, { clientId: 'dash', username: 'dashboard', password: 'dash-pass' })) as mqtt.MqttClient;
    // SUBACK 0x80 for a filter the ACL does not cover [MQTT-3.9.3]; mqtt.js rejects on it.
    const failure = (e: { packet?: { granted?: number[] } }) => e.packet?.granted;
    expect(await dash.subscribeAsync('#').catch(failure)).toEqual([128]);
    expect(await dash.subscribeAsync('$SYS/#').catch(failure)).toEqual([128]);
    expect((await dash.subscribeAsync('plant/+/temp')).map((g) => g.qos)).toEqual([0]);
    expect(broker.refusals.of('dash').subscribe).toBe(2);
    // ...and it may not publish at all.
    const closed = new Promise<void>((r) => dash.once('close', () => r()));
    // (Refused, the publish is never acknowledged: not awaited.)
    void dash.publishAsync('plant/p-101/temp', '99', { qos: 1 }).catch(() => undefined);
    await closed;
    expect(broker.refusals.of('dash').publish).toBe(1);
    expect(ingested).not.toContain('plant/p-101/temp=99');
  });

  it('serves mqtts: a password over TLS, a client certificate naming a user, and refuses an unknown certificate', async () => {
    const tlsUrl = `mqtts://127.0.0.1:${broker.ports.mqtts}`;
    const pump = (await open(tlsUrl, { clientId: 'p-101-tls', username: 'p-101', password: 'pump-pass', ca })) as mqtt.MqttClient;
    await pump.publishAsync('plant/p-101/temp', 'tls', { qos: 1 });
    const plc = (await open(tlsUrl, { clientId: 'plc', ca, cert: readFileSync(f('plc.crt')), key: readFileSync(f('plc.key')) })) as mqtt.MqttClient;
    await plc.publishAsync('plant/plc-7/pressure', '4.2', { qos: 1 });
    // A certificate from the same CA whose name is no user's signs in as nobody.
    expect(await open(tlsUrl, { clientId: 'stranger', ca, cert: readFileSync(f('stranger.crt')), key: readFileSync(f('stranger.key')) })).toBe(5);
    // Not the broker's CA: the client refuses the broker.
    expect(await open(tlsUrl, { clientId: 'no-ca', username: 'p-101', password: 'pump-pass' })).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(ingested.slice(-2)).toEqual(['plant/p-101/temp=tls', 'plant/plc-7/pressure=4.2']);
  });

  it('serves MQTT over WebSocket over TLS', async () => {
    const c = (await open(`wss://127.0.0.1:${broker.ports.wss}/mqtt`, { clientId: 'ws-pump', username: 'p-101', password: 'pump-pass', ca })) as mqtt.MqttClient;
    await c.publishAsync('plant/p-101/temp', 'ws', { qos: 1 });
    expect(ingested.at(-1)).toBe('plant/p-101/temp=ws');
  });

  it('with client certificates required, lets in only clients that present one signed by the CA', async () => {
    const cfg = sourceSchema.parse({
      id: 'mq2',
      type: 'mqtt',
      broker: { port: false, users: [{ username: 'plc-7' }], tls: { port: 0, certFile: 'server.crt', keyFile: 'server.key', caFile: 'ca.crt', clientCertificates: 'require' } },
      topics: [{ topic: 'plant/{asset}/{tag}' }],
    });
    if (cfg.type !== 'mqtt' || !cfg.broker) throw new Error('expected an mqtt source with a broker');
    const strict = new EmbeddedBroker('127.0.0.1', cfg.broker.port, log, brokerOptions(cfg.broker, dir, 'sources[id=mq2].broker'));
    const got: string[] = [];
    await strict.start((topic) => got.push(topic));
    try {
      const u = `mqtts://127.0.0.1:${strict.ports.mqtts}`;
      expect(strict.ports.mqtt).toBeUndefined();
      // No certificate: the TLS handshake fails, whatever the credentials.
      expect(typeof (await open(u, { clientId: 'nocert', username: 'plc-7', password: 'x', ca }))).not.toBe('object');
      const plc = (await open(u, { clientId: 'plc', ca, cert: readFileSync(f('plc.crt')), key: readFileSync(f('plc.key')) })) as mqtt.MqttClient;
      await plc.publishAsync('plant/plc-7/pressure', '4.3', { qos: 1 });
      expect(got).toEqual(['plant/plc-7/pressure']);
    } finally {
      for (const c of clients.splice(0)) await c.endAsync(true);
      await strict.stop();
    }
  });

  it('closes connections past maxConnections at once, counted', async () => {
    const open0 = broker.refusals.totals.connection;
    const socks = Array.from({ length: 12 }, () => tlsConnect({ port: broker.ports.mqtts!, host: '127.0.0.1', ca }).on('error', () => undefined));
    await waitUntil(() => broker.refusals.totals.connection > open0);
    for (const s of socks) s.destroy();
    expect(broker.refusals.totals.connection - open0).toBeGreaterThan(0);
  });
});

async function waitUntil(ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
