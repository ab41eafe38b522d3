import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { makeTestCa, type TestCa } from '../helpers/pki.js';
import { startMosquitto, tempDir, waitFor, type Mosquitto } from '../helpers/servers.js';

/**
 * Issue 18: the plant broker over TLS with a private CA, a client certificate and a password from
 * a secret file. The gateway reads telemetry through it; without the CA it does not connect, and
 * its status says so without the password.
 */
describe('plant broker over TLS', () => {
  let ca: TestCa;
  let mosq: Mosquitto;
  const gws: Gateway[] = [];

  beforeAll(async () => {
    ca = makeTestCa(tempDir('plant-ca'));
    mosq = await startMosquitto({ users: { gateway: 'tls-gw-pw' }, tls: { caFile: ca.caFile, ...ca.issue('broker', 'urn:plant:broker'), requireClientCertificate: true } });
  });

  afterAll(async () => {
    await Promise.all(gws.map((g) => g.stop()));
    await mosq?.stop();
  });

  async function gateway(tls: Record<string, unknown>): Promise<Gateway> {
    const site = writeSite(pumpSite(1, { sources: [{ id: 'plant', type: 'mqtt', url: mosq.url.replace('mqtts://', 'mqtts://gateway@'), passwordFile: 'broker-pw', reconnectPeriod: 300, topics: [{ topic: 'plant/{asset}' }], ...tls } as never] }), []);
    writeFileSync(join(site.dir, 'broker-pw'), 'tls-gw-pw\n');
    const gw = await startGateway(site.file);
    gws.push(gw);
    return gw;
  }

  it('reads telemetry with the private CA, a client certificate and a password file', async () => {
    const client = ca.issue('gateway-client', 'urn:plant:gateway');
    const gw = await gateway({ caFile: ca.caFile, certFile: client.certFile, keyFile: client.keyFile });
    await waitFor('connected', () => gw.view.sources()[0]!.state === 'connected' || undefined, 10_000);
    const sensorCert = ca.issue('sensor', 'urn:plant:sensor');
    const sensor = await mqtt.connectAsync(mosq.url, { username: 'gateway', password: 'tls-gw-pw', ca: readFileSync(ca.caFile), cert: readFileSync(sensorCert.certFile), key: readFileSync(sensorCert.keyFile) });
    await sensor.publishAsync('plant/p-1', JSON.stringify({ bearing_temp: 61.5 }), { qos: 1 });
    await sensor.endAsync();
    const idx = gw.view.catalog.tag('p-1/bearing_temp')!.index;
    await waitFor('the value over TLS', () => gw.view.latest.get(idx)?.value === 61.5 || undefined, 10_000);
    expect(gw.view.sources()[0]!.detail).toBe(mosq.url.replace('mqtts://', 'mqtts://***@'));
  });

  it('does not connect to a broker whose certificate it cannot check', async () => {
    const gw = await gateway({});
    // mqtt.js reports each failed attempt and tries again every reconnectPeriod.
    const st = await waitFor('a failed attempt', () => {
      const s = gw.view.sources()[0]!;
      return s.state === 'reconnecting' ? s : undefined;
    }, 10_000);
    expect(st.detail).toContain(mosq.url.replace('mqtts://', 'mqtts://***@'));
    expect(JSON.stringify(gw.view.sources())).not.toContain('tls-gw-pw');
  });
});
