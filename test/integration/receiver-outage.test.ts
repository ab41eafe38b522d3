import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { bearingRule, brokerPort, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { freePort, waitFor } from '../helpers/servers.js';

/**
 * The CMMS goes away mid-run and comes back on the same port: every work order made meanwhile
 * arrives after it returns, exactly once by Idempotency-Key, in order per asset.
 */
describe('webhook receiver killed and brought back', () => {
  let rx: WebhookReceiver;
  let gw: Gateway;
  let client: mqtt.MqttClient;
  let rxPort: number;

  beforeAll(async () => {
    rx = new WebhookReceiver({ secret: 's' });
    rxPort = await freePort();
    await rx.start(rxPort);
    const { file } = writeSite(
      pumpSite(6, {
        sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'p/{asset}/{tag}' }] }],
        workOrders: {
          targets: [{ id: 'cmms', type: 'webhook', url: `http://127.0.0.1:${rxPort}/wo`, secret: 's', timeout: 2000 }],
          retry: { initialDelay: 100, maxDelay: 800 },
          consolidation: { updateEvery: 0 }, // updates go at once here
        },
      }),
      // Raise, clear, raise within seconds would count as chattering (3 a minute) and hold the second order back.
      [{ ...bearingRule, chatter: { count: 10, window: 60_000 } }],
    );
    gw = await startGateway(file);
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort(gw, 'mq')}`);
  });

  afterAll(async () => {
    await client?.endAsync();
    await gw?.stop();
    await rx?.stop();
  });

  const pub = (asset: string, v: number) => client.publishAsync(`p/${asset}/bearing_temp`, String(v), { qos: 1 });

  it('delivers every order made during the outage once it returns', async () => {
    await pub('p-1', 90);
    await pub('p-2', 90);
    await waitFor('2 orders while up', () => (rx.orders.size === 2 ? true : undefined));

    await rx.stop();
    await pub('p-3', 91);
    await pub('p-4', 92);
    await pub('p-1', 60); // p-1 returns to normal…
    await pub('p-1', 95); // …and raises again: a new episode of the same problem updates its open order
    await pub('p-5', 93);
    await pub('p-5', 94); // same excursion: nothing new
    await waitFor('outbox holds 5 orders and 1 update', () => (gw.view.outbox.counts().pending + gw.view.outbox.counts().delivered === 6 ? true : undefined));
    await waitFor('failed attempts while down', () => (gw.view.dispatcher().retried >= 4 ? true : undefined), 10_000);
    expect(rx.orders.size).toBe(2);

    await rx.start(rxPort);
    await waitFor('all delivered', () => (gw.view.outbox.counts().delivered === 6 ? true : undefined), 20_000);

    const keys = gw.view.outbox.list().map((r) => r.order.idempotencyKey).sort();
    expect([...rx.orders.keys()].sort()).toEqual(keys);
    expect(rx.orders.size).toBe(5);
    expect(rx.posts).toBe(6); // 5 orders and 1 update, no POST repeated
    expect(rx.replays).toBe(0);
    expect(rx.rejected).toBe(0);
    const p1 = [...rx.orders.values()].filter((o) => (o.body as { asset: { id: string } }).asset.id === 'p-1');
    expect(p1.map((o) => (o.body as { rule: { episode: number } }).rule.episode)).toEqual([1]);
    expect(p1[0]!.updates.map((u) => (u as { events: { rule: { episode: number } }[] }).events.map((e) => e.rule.episode))).toEqual([[2]]);
    expect(gw.view.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
  });
});
