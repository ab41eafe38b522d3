import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { bearingRule, brokerPort, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { waitFor } from '../helpers/servers.js';
import { deliveryReasons, FlakyFront, health, LIMITS, metrics } from './harness.js';

/**
 * Fault: the CMMS answers 500, then 429, then takes requests and never answers, while alarms keep
 * making orders. The gateway keeps running; the target's failure shows in /api/health (the
 * dispatcher's last error, the outbox backlog; the reasons computed from the target's health) and
 * in /metrics (retries, pending, the oldest pending age); when the CMMS answers again every order
 * arrives, once: orders made = orders delivered.
 */
describe('fault: the CMMS fails', () => {
  const rx = new WebhookReceiver();
  const front = new FlakyFront(() => rx.url);
  let gw: Gateway;
  let client: mqtt.MqttClient;

  beforeAll(async () => {
    await rx.start();
    const url = await front.start();
    const { file } = writeSite(
      pumpSite(6, {
        sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'plant/{asset}' }] }],
        workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: `${url}/wo`, timeout: 500 }], retry: { initialDelay: 100, maxDelay: 400 }, health: LIMITS },
      }),
      [bearingRule],
    );
    gw = await startGateway(file);
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort(gw, 'mq')}`);
  });

  afterAll(async () => {
    await client?.endAsync();
    await gw?.stop();
    await front.stop();
    await rx.stop();
  });

  const hot = (asset: string) => client.publishAsync(`plant/${asset}`, JSON.stringify({ bearing_temp: 95 }), { qos: 1 });

  it('reports each failure while orders pile up, and delivers every order once when it answers again', async () => {
    const cases: [mode: FlakyFront['mode'], assets: string[], error: RegExp][] = [
      [500, ['p-1'], /HTTP 500/],
      [429, ['p-2'], /HTTP 429/],
      ['hang', ['p-3', 'p-4', 'p-5'], /no answer within 500 ms/],
    ];
    for (const [mode, assets, error] of cases) {
      front.mode = mode;
      const retriedBefore = (await metrics(gw)).get('cbm_target_deliveries_total{target="cmms",outcome="retried"}') ?? 0;
      for (const a of assets) await hot(a);
      const t = await waitFor(`${mode}: target failing 3 times`, () => {
        const h = deliveryReasons(gw, ['cmms']).targets[0]!;
        return h.state === 'failing' && h.consecutiveFailures >= LIMITS.failures ? h : undefined;
      }, 15_000);
      expect(t.lastError, String(mode)).toMatch(error);
      const h = await health(gw);
      expect(h.dispatcher.lastError, String(mode)).toMatch(error);
      expect(h.outbox.pending, String(mode)).toBeGreaterThanOrEqual(assets.length);
      const { reasons } = deliveryReasons(gw, ['cmms']);
      expect(reasons.some((r) => r.startsWith('work-order target cmms failing') && error.test(r)), String(mode)).toBe(true);
      if (assets.length > LIMITS.maxPending) expect(reasons.some((r) => r.startsWith('work-order backlog: '))).toBe(true);
      const m = await metrics(gw);
      expect(m.get('cbm_target_deliveries_total{target="cmms",outcome="retried"}')! - retriedBefore, String(mode)).toBeGreaterThan(0);
      expect(m.get('cbm_outbox_pending'), String(mode)).toBeGreaterThanOrEqual(assets.length);
      expect(m.get('cbm_outbox_oldest_pending_age_seconds'), String(mode)).toBeGreaterThan(0);

      front.mode = 'ok';
      await waitFor(`${mode}: delivered after recovery`, () => gw.view.outbox.counts().pending === 0 || undefined, 15_000);
      expect(deliveryReasons(gw, ['cmms'])).toMatchObject({ reasons: [], targets: [{ state: 'ok', consecutiveFailures: 0 }] });
    }
    // Orders made = orders delivered, each once.
    const made = gw.view.outbox.list().map((r) => r.order.idempotencyKey).sort();
    expect(made).toHaveLength(5);
    expect([...rx.orders.keys()].sort()).toEqual(made);
    expect(gw.view.outbox.counts()).toMatchObject({ delivered: 5, pending: 0, failed: 0, dead: 0 });
    expect((await health(gw)).status).toBe('ok');
    process.stdout.write(`fault cmms: ${front.requests} requests to the CMMS front for 5 orders (500, 429, no answer), all delivered once\n`);
  });
});
