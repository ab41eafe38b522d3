import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/config/schema.js';
import { MqttTarget, renderTopic } from '../../src/workorders/targets/mqtt.js';
import { createTarget } from '../../src/workorders/targets/registry.js';
import { MqttReceiverSim, OrderInbox } from '../../simulators/cmms/mqtt-receiver.js';
import { canConnect, freePort, spawnLogged, startMosquitto, tempDir, waitFor } from '../helpers/servers.js';
import { deliver, sampleOrder, targetContract } from './target-contract.js';
import { sampleUpdate } from './target-update-contract.js';

function config(url: string, extra: Record<string, unknown> = {}) {
  const c = targetSchema.parse({ id: 'central', type: 'mqtt', url, timeout: '2s', connectTimeout: '2s', ...extra });
  if (c.type !== 'mqtt') throw new Error('unreachable');
  return c;
}

targetContract('mqtt', () => {
  const sim = new MqttReceiverSim({ username: 'gw', password: 's3cret' });
  return {
    start: async () => void (await sim.start()),
    stop: () => sim.stop(),
    count: () => sim.count,
    recordId: () => undefined,
    loseNext: () => sim.loseNext(),
    target: (o = {}) => createTarget(config(o.deadPort ? `mqtt://127.0.0.1:${o.deadPort}` : sim.url, { username: 'gw', password: o.badCredentials ? 'wrong' : 's3cret' })),
    externalIds: false,
    atLeastOnce: true,
    inspect: (ref) => {
      const o = sim.inbox.orders.get(ref.key);
      return o && { priority: o.updates.at(-1)?.priority ?? o.body.priority, notes: o.updates.map((u) => `${String(u.note)}\n${String(u.idempotencyKey)}`) };
    },
    priorityValue: (p) => p,
    loseNextUpdate: () => sim.loseNext(),
    orphanUpdates: () => sim.inbox.orphans,
  };
});

describe('mqtt target against Mosquitto (a real central broker)', () => {
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let sub: mqtt.MqttClient;
  const inbox = new OrderInbox();
  const seen: { topic: string; qos: number; retain: boolean }[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    sub = await mqtt.connectAsync(broker.url, { clientId: 'cmms-consumer', clean: true });
    await sub.subscribeAsync('cmms/#', { qos: 1 });
    sub.on('message', (topic, payload, packet) => {
      seen.push({ topic, qos: packet.qos, retain: packet.retain });
      inbox.accept(topic, payload);
    });
  });
  afterAll(async () => {
    await sub?.endAsync(true);
    await broker?.stop();
  });

  it('publishes each order with QoS 1 on its rendered topic, resolving after PUBACK', async () => {
    const t = new MqttTarget(config(broker.url));
    const a = sampleOrder();
    const b = sampleOrder({ asset: { ...sampleOrder().asset, id: 'fan-7' } });
    await t.send(a, AbortSignal.timeout(5000));
    await t.send(b, AbortSignal.timeout(5000));
    await waitFor('both orders at the consumer', () => (inbox.orders.size >= 2 ? true : undefined), 5000);
    expect(inbox.orders.get(a.idempotencyKey)?.topic).toBe('cmms/plant-a/pump-101/workorders');
    expect(inbox.orders.get(b.idempotencyKey)?.topic).toBe('cmms/plant-a/fan-7/workorders');
    expect(inbox.orders.get(a.idempotencyKey)?.body).toEqual(JSON.parse(JSON.stringify(a)));
    expect(seen.every((m) => m.qos === 1 && !m.retain)).toBe(true);
    await t.close();
  });

  it("publishes an update on the order's topic + /updates with QoS 1; the consumer applies it to that order once", async () => {
    const t = new MqttTarget(config(broker.url, { topic: 'cmms/{site}/{asset}/p{priority}' }));
    const o = sampleOrder({ priority: 3 });
    await t.send(o, AbortSignal.timeout(5000));
    const u = sampleUpdate(o, { priority: 1 });
    await t.update(u, { externalId: undefined, order: o }, AbortSignal.timeout(5000));
    await t.update(u, { externalId: undefined, order: o }, AbortSignal.timeout(5000));
    await waitFor('the update and its replay', () => (inbox.updates.has(u.idempotencyKey) && seen.filter((m) => m.topic.endsWith('/updates')).length >= 2 ? true : undefined), 5000);
    const updates = seen.filter((m) => m.topic.endsWith('/updates'));
    expect(updates.map((m) => [m.topic, m.qos, m.retain])).toEqual([
      ['cmms/plant-a/pump-101/p3/updates', 1, false],
      ['cmms/plant-a/pump-101/p3/updates', 1, false],
    ]);
    expect(inbox.orders.get(o.idempotencyKey)?.updates).toEqual([JSON.parse(JSON.stringify(u))]);
    await t.close();
  });

  it('a repeated publish is a replay at the receiver, not a second order', async () => {
    const t = new MqttTarget(config(broker.url, { topic: 'cmms/{site}/{type}/p{priority}' }));
    const o = sampleOrder();
    const before = inbox.orders.size;
    const replays = inbox.replays;
    await t.send(o, AbortSignal.timeout(5000));
    await t.send(o, AbortSignal.timeout(5000));
    await waitFor('the replay', () => (inbox.replays > replays ? true : undefined), 5000);
    expect(inbox.orders.size).toBe(before + 1);
    expect(inbox.orders.get(o.idempotencyKey)?.topic).toBe('cmms/plant-a/PdM/p2');
    await t.close();
  });

  it('while the broker is down, send fails fast as unavailable, and delivers once it is back', async () => {
    const sim = new MqttReceiverSim();
    await sim.start();
    const t = new MqttTarget(config(sim.url));
    await t.send(sampleOrder(), AbortSignal.timeout(5000));
    const port = sim.port;
    await sim.stop();
    const o = sampleOrder();
    await expect(t.send(o, AbortSignal.timeout(5000))).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|TIMEOUT/), retryable: true });
    const again = new MqttReceiverSim();
    await again.start(port);
    const r = await deliver(t, o, 100, 100);
    expect(r.failures.every((f) => f.retryable)).toBe(true);
    expect(again.inbox.orders.has(o.idempotencyKey)).toBe(true);
    await t.close();
    await again.stop();
  });
});

describe('mqtt target: a lost PUBACK', () => {
  it('the order reaches the receiver twice and is kept once', async () => {
    const sim = new MqttReceiverSim();
    await sim.start();
    const t = new MqttTarget(config(sim.url));
    const o = sampleOrder();
    sim.loseNext();
    const first = await t.send(o, AbortSignal.timeout(5000)).then(
      () => 'acked',
      (e: { retryable?: boolean }) => (e.retryable ? 'retryable' : 'rejected'),
    );
    expect(first).not.toBe('rejected');
    await deliver(t, o);
    await waitFor('the redelivery', () => (sim.inbox.messages >= 2 ? true : undefined), 5000);
    expect(sim.count).toBe(1);
    expect(sim.inbox.replays).toBeGreaterThanOrEqual(1);
    await t.close();
    await sim.stop();
  });
});

/** Mosquitto with TLS (our own CA, server cert for 127.0.0.1) and a password file, anonymous refused. */
async function startTlsMosquitto(): Promise<{ url: string; ca: string; stop: () => Promise<void> }> {
  const dir = tempDir('mosquitto-tls');
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=cbm-test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
  execFileSync('mosquitto_passwd', ['-b', '-c', f('passwd'), 'gw', 's3cret'], { stdio: 'ignore' });
  const port = await freePort();
  writeFileSync(f('mosquitto.conf'), [`listener ${port} 127.0.0.1`, `cafile ${f('ca.crt')}`, `certfile ${f('server.crt')}`, `keyfile ${f('server.key')}`, 'allow_anonymous false', `password_file ${f('passwd')}`, 'persistence false', ''].join('\n'));
  // Started as root, Mosquitto drops to the `mosquitto` user: let it read the files.
  chmodSync(dir, 0o755);
  for (const n of readdirSync(dir)) chmodSync(f(n), 0o644);
  const p = spawnLogged('/usr/sbin/mosquitto', ['-c', f('mosquitto.conf')]);
  await waitFor('mosquitto (TLS) to listen', () => canConnect(port), 10_000, 50);
  return {
    url: `mqtts://127.0.0.1:${port}`,
    ca: f('ca.crt'),
    stop: async () => {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('mqtt target over TLS with a password (Mosquitto)', () => {
  let broker: Awaited<ReturnType<typeof startTlsMosquitto>>;
  beforeAll(async () => {
    broker = await startTlsMosquitto();
  });
  afterAll(() => broker?.stop());

  it('delivers with the private CA and the right password', async () => {
    const inbox = new OrderInbox();
    const sub = await mqtt.connectAsync(broker.url, { username: 'gw', password: 's3cret', ca: readFileSync(broker.ca), clientId: 'tls-consumer' });
    await sub.subscribeAsync('cmms/#', { qos: 1 });
    sub.on('message', (topic, payload) => inbox.accept(topic, payload));
    const t = new MqttTarget(config(broker.url, { username: 'gw', password: 's3cret', caFile: broker.ca }));
    const o = sampleOrder();
    await t.send(o, AbortSignal.timeout(5000));
    await waitFor('the order over TLS', () => (inbox.orders.has(o.idempotencyKey) ? true : undefined), 5000);
    await t.close();
    await sub.endAsync(true);
  });

  it('refuses an unknown CA (retryable: a certificate can be fixed) and a wrong password (rejected)', async () => {
    const noCa = new MqttTarget(config(broker.url, { username: 'gw', password: 's3cret' }));
    await expect(noCa.send(sampleOrder(), AbortSignal.timeout(5000))).rejects.toMatchObject({ code: 'CBM_ERR_TARGET_UNAVAILABLE' });
    await noCa.close();
    const badPw = new MqttTarget(config(broker.url, { username: 'gw', password: 'nope', caFile: broker.ca }));
    await expect(badPw.send(sampleOrder(), AbortSignal.timeout(5000))).rejects.toMatchObject({ code: 'CBM_ERR_TARGET_REJECTED', retryable: false });
    await badPw.close();
  });
});

describe('renderTopic', () => {
  it('fills every placeholder and leaves unknown ones visible', () => {
    const o = sampleOrder();
    expect(renderTopic('{gateway}/{site}/{asset}/{rule}/{type}/{priority}/{nope}', o)).toBe('gw-test/plant-a/pump-101/bearing-temp-high/PdM/2/{nope}');
  });
});
