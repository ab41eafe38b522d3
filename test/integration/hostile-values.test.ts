import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { bearingRule, brokerPort, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { waitFor } from '../helpers/servers.js';

/**
 * Issue 18, "a word clears an alarm": `"hot"` on a numeric tag was accepted as Good and cleared an
 * active alarm at once, past its deadband; the next real excursion was then taken for chattering
 * and made no order. Through MQTT in and HTTP out only.
 */
let gw: Gateway | undefined;
let client: mqtt.MqttClient | undefined;
afterEach(async () => {
  await client?.endAsync(true);
  await gw?.stop();
  gw = client = undefined;
});

describe('values that are not numbers', () => {
  it('a word or a boolean on a numeric tag is Bad and counted; it neither clears the alarm nor makes the next excursion chattering', async () => {
    const site = pumpSite(1, { sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'plant/{asset}' }] }] });
    const { file } = writeSite(site, [bearingRule]);
    gw = await startGateway(file);
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort(gw, 'mq')}`);
    const get = async <T>(path: string) => (await (await fetch(`${gw!.apiAddress}${path}`)).json()) as T;
    const publish = (payload: object) => client!.publishAsync('plant/p-1', JSON.stringify(payload), { qos: 1 });
    const alarm = async () => (await get<{ alarms: { rule: string; active: boolean; chattering: boolean }[] }>('/api/alarms')).alarms.find((a) => a.rule === 'bearing-hot');

    await publish({ bearing_temp: 90 });
    await waitFor('alarm active', async () => ((await alarm())?.active ? true : undefined));
    await publish({ bearing_temp: 'hot' });
    await publish({ bearing_temp: true });
    await publish({ bearing_temp: '95,5' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await alarm())?.active).toBe(true);
    const asset = await get<{ tags: { id: string; value: unknown; quality: string; reason: string }[] }>('/api/assets/p-1');
    expect(asset.tags.find((t) => t.id === 'bearing_temp')).toMatchObject({ value: '95,5', quality: 'Bad', reason: 'not_a_number' });
    const health = await get<{ ingest: { wrongType: number } }>('/api/health');
    expect(health.ingest.wrongType).toBe(3);

    // The excursion goes on: still one episode (had a word cleared it, this would be the third
    // transition within a minute: chattering, and no order for the next real problem).
    await publish({ bearing_temp: 92 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await alarm()).toMatchObject({ active: true, chattering: false });
    const changes = (await get<{ history: { change: string }[] }>('/api/alarms')).history.map((h) => h.change);
    expect(changes).toEqual(['raised']);
  });
});
