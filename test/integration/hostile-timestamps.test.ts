import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { bearingRule, brokerPort, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { waitFor } from '../helpers/servers.js';

/**
 * Issue 18: one sample with an absurd timestamp must neither stop other alarms nor blind a rule.
 * Through the gateway's outside interfaces only (MQTT in, HTTP out), so the same test reads the
 * same on any version of the code.
 */
let gw: Gateway | undefined;
let client: mqtt.MqttClient | undefined;
afterEach(async () => {
  await client?.endAsync(true);
  await gw?.stop();
  gw = client = undefined;
});

async function start(onDelay: string) {
  const site = pumpSite(2, { sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'plant/{asset}' }] }] });
  const { file } = writeSite(site, [{ ...bearingRule, onDelay }]);
  gw = await startGateway(file);
  client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort(gw, 'mq')}`);
  const api = async (path: string) => {
    const res = await fetch(`${gw!.apiAddress}${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const publish = (asset: string, payload: object) => client!.publishAsync(`plant/${asset}`, JSON.stringify(payload), { qos: 1 });
  return { api, publish };
}

const orders = async (api: Awaited<ReturnType<typeof start>>['api']) => (await api('/api/work-orders')).body as { asset: { id: string } }[];

describe('hostile timestamps', () => {
  it('a timestamp read as 1e24 ms on one pump does not stop the alarms of another, nor the API', async () => {
    const { api, publish } = await start('0s');
    await publish('p-1', { bearing_temp: 96 });
    await publish('p-1', { ts: 1e30, bearing_temp: 96 });
    await publish('p-2', { bearing_temp: 97 });
    const got = await waitFor('an order for p-2', async () => ((await orders(api)).some((o) => o.asset.id === 'p-2') ? true : undefined), 10_000);
    expect(got).toBe(true);
    for (const path of ['/api/alarms', '/api/assets', '/api/health', '/metrics']) {
      const res = await fetch(`${gw!.apiAddress}${path}`);
      expect(res.status, path).toBe(200);
    }
    const health = (await api('/api/health')).body as { ingest: { badTimestamp: number } };
    expect(health.ingest.badTimestamp).toBe(1);
  });

  it('one sample dated in the year 3000 does not blind the rule to real excursions after it', async () => {
    const { api, publish } = await start('1s');
    await publish('p-1', { ts: Date.UTC(3000, 0, 1), bearing_temp: 96 });
    for (let i = 0; i < 30; i++) {
      await publish('p-1', { ts: Date.now(), bearing_temp: 96 });
      if ((await orders(api)).length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await orders(api)).map((o) => o.asset.id)).toEqual(['p-1']);
  });
});
