import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { startMosquitto, waitFor, type Mosquitto } from '../helpers/servers.js';
import { cmmsOrders, health, metrics } from './harness.js';

/**
 * Fault: the plant's MQTT broker (Mosquitto, with users) is killed and started again on the same
 * port. The gateway keeps running, /api/health says the source is reconnecting (degraded) and
 * /metrics shows it disconnected; it reconnects and resubscribes by itself, and telemetry after the
 * restart makes its work order as before. Orders made = orders delivered.
 */
describe('fault: the plant broker restarts', () => {
  const rx = new WebhookReceiver();
  let mosq: Mosquitto;
  let gw: Gateway;

  beforeAll(async () => {
    mosq = await startMosquitto({ users: { gateway: 'gw-pw', sensor: 'sensor-pw' } });
    await rx.start();
    const { file } = writeSite(
      pumpSite(2, {
        sources: [{ id: 'plant', type: 'mqtt', url: mosq.url, username: 'gateway', password: 'gw-pw', reconnectPeriod: 200, topics: [{ topic: 'plant/{asset}' }] }],
        workOrders: cmmsOrders(rx.url),
      }),
      [bearingRule],
    );
    gw = await startGateway(file);
  });

  afterAll(async () => {
    await gw?.stop();
    await rx.stop();
    await mosq?.stop();
  });

  /** A sensor publishes once (QoS 1) and goes. */
  const sensor = async (asset: string, v: number) => {
    const c = await mqtt.connectAsync(mosq.url, { username: 'sensor', password: 'sensor-pw' });
    await c.publishAsync(`plant/${asset}`, JSON.stringify({ bearing_temp: v }), { qos: 1 });
    await c.endAsync();
  };

  it('says the source is down, reconnects by itself, and loses no order', async () => {
    await waitFor('connected', async () => (await health(gw)).sources[0]!.state === 'connected' || undefined, 15_000);
    await sensor('p-1', 95);
    await waitFor('order 1 delivered', () => rx.orders.size === 1 || undefined, 10_000);

    await mosq.kill();
    const down = await waitFor('health degraded', async () => {
      const h = await health(gw);
      return h.status === 'degraded' ? h : undefined;
    }, 10_000);
    expect(down.reasons).toContain('source plant reconnecting');
    expect((await metrics(gw)).get('cbm_source_connected{source="plant",type="mqtt"}')).toBe(0);

    await mosq.start();
    await waitFor('health ok again', async () => ((await health(gw)).status === 'ok' ? true : undefined), 15_000);
    expect((await metrics(gw)).get('cbm_source_connected{source="plant",type="mqtt"}')).toBe(1);
    // Subscribed again: telemetry after the restart reaches the rules.
    await waitFor('order 2 delivered', async () => {
      await sensor('p-2', 96);
      return rx.orders.size === 2 || undefined;
    }, 15_000, 500);
    const made = gw.view.outbox.list().map((r) => r.order.idempotencyKey).sort();
    expect([...rx.orders.keys()].sort()).toEqual(made);
    expect(gw.view.outbox.counts()).toMatchObject({ delivered: 2, pending: 0 });
  });
});
