import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { startMosquitto, startVictoriaMetrics, waitFor, type VictoriaMetrics } from '../helpers/servers.js';

const run = promisify(execFile);
const SECRET = 'it-secret';

/**
 * The spine end to end with real peers: `mosquitto_pub` (a third-party client) → Mosquitto (the
 * plant's broker) → the gateway as its client → rule → work order → a real HTTP receiver that
 * checks the signature; the same samples read back from VictoriaMetrics (InfluxDB v2 write API).
 */
describe('mosquitto_pub → Mosquitto → gateway → webhook + VictoriaMetrics', () => {
  let mosq: Awaited<ReturnType<typeof startMosquitto>>;
  let vm: VictoriaMetrics;
  let rx: WebhookReceiver;
  let gw: Gateway;

  beforeAll(async () => {
    [mosq, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
    rx = new WebhookReceiver({ secret: SECRET });
    const rxPort = await rx.start();
    const { file } = writeSite(
      pumpSite(2, {
        sources: [
          {
            id: 'plant-broker',
            type: 'mqtt',
            url: mosq.url,
            qos: 1,
            reconnectPeriod: 200,
            topics: [
              { topic: 'site/{asset}/telemetry', format: 'json' },
              { topic: 'site/{asset}/{tag}' },
            ],
          },
        ],
        influx: { url: vm.url, bucket: 'telemetry', org: 'plant', token: 'unused', flushInterval: 100, batchSize: 100 },
        workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: `http://127.0.0.1:${rxPort}/work-orders`, secret: '${HOOK_SECRET}' }], retry: { initialDelay: 50, maxDelay: 500 } },
      }),
      [bearingRule],
    );
    gw = await startGateway(file, { env: { ...process.env, HOOK_SECRET: SECRET } });
    await waitFor('gateway connected to mosquitto', () => gw.view.sources().find((s) => s.id === 'plant-broker')?.state === 'connected');
  });

  afterAll(async () => {
    await gw?.stop();
    await rx?.stop();
    await Promise.all([mosq?.stop(), vm?.destroy()]);
  });

  it('turns a threshold crossing into one signed work order, and stores the samples', async () => {
    const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);
    const pub = (topic: string, msg: string) => run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mosq.port), '-q', '1', '-t', topic, '-m', msg]);
    // Normal, then hot (several samples above 80 °C: one excursion, one order), a bare value, then a malformed payload.
    await pub('site/p-1/telemetry', JSON.stringify({ ts: t0, bearing_temp: 65.5, vibration: 2.1 }));
    await pub('site/p-1/telemetry', JSON.stringify([{ ts: t0 + 1000, bearing_temp: 82.25 }, { ts: t0 + 2000, bearing_temp: 84 }]));
    await pub('site/p-1/telemetry', JSON.stringify({ ts: t0 + 3000, bearing_temp: 83.5, vibration: 2.4 }));
    await pub('site/p-2/bearing_temp', '61.5');
    await pub('site/p-2/telemetry', '{not json');
    await pub('site/p-2/telemetry', JSON.stringify({ ts: 'yesterday', bearing_temp: 60 }));

    const order = await waitFor('the work order at the receiver', () => [...rx.orders.values()][0]);
    expect(rx.orders.size).toBe(1);
    const body = order.body as Record<string, any>;
    expect(body.idempotencyKey).toBe(order.key);
    expect(body.asset).toMatchObject({ id: 'p-1', name: 'Pump 1', path: 'plant/area/line/p-1', serialNumber: 'SN-1000' });
    expect(body.priority).toBe(2);
    expect(body.rule).toMatchObject({ id: 'bearing-hot' });
    expect(body.title).toBe('Bearing 82.25 °C on Pump 1');
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
    expect(body.evidence.limits).toEqual([{ tag: 'bearing_temp', operator: 'greaterThan', limit: 80, value: 82.25, unit: 'degC' }]);
    expect(rx.rejected).toBe(0); // the receiver verified X-CBM-Signature with the shared secret

    // The malformed payloads (bad JSON, an unreadable timestamp) were counted, and nothing stopped.
    await waitFor('malformed counted', () => (gw.view.sources()[0]!.counters.malformed === 2 ? true : undefined));
    const wo = await waitFor('delivery recorded', () => {
      const l = gw.view.outbox.list();
      return l[0]?.deliveries[0]?.state === 'delivered' ? l : undefined;
    });
    expect(wo[0]!.deliveries[0]).toMatchObject({ attempts: 1, externalId: order.externalId });

    // VictoriaMetrics names InfluxDB series <measurement>_<field>: pump_value{asset,tag}.
    await gw.flushTimeSeries();
    const series = await waitFor(
      'samples in VictoriaMetrics',
      async () => {
        // Each new series takes a few seconds to be readable: wait for the two this test reads.
        const s = await vm.export('pump_value');
        const p1 = s.find((x) => x.metric.asset === 'p-1' && x.metric.tag === 'bearing_temp');
        const p2 = s.find((x) => x.metric.asset === 'p-2' && x.metric.tag === 'bearing_temp');
        return p1 && p1.values.length >= 4 && p2 ? s : undefined;
      },
      30_000,
      250,
    );
    const p1 = series.find((s) => s.metric.asset === 'p-1' && s.metric.tag === 'bearing_temp')!;
    expect(p1.timestamps).toEqual([t0, t0 + 1000, t0 + 2000, t0 + 3000]);
    expect(p1.values).toEqual([65.5, 82.25, 84, 83.5]);
    expect(series.find((s) => s.metric.asset === 'p-2' && s.metric.tag === 'bearing_temp')!.values).toEqual([61.5]);
  });
});
