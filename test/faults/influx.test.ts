import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import type { Sample } from '../../src/core/sample.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { startVictoriaMetrics, waitFor, type VictoriaMetrics } from '../helpers/servers.js';
import { cmmsOrders, health, metrics } from './harness.js';

/**
 * Fault: InfluxDB (VictoriaMetrics) goes down. Rules, alarms and work orders do not wait for it:
 * an excursion during the outage makes and delivers its order. /api/health says InfluxDB is
 * unreachable, /metrics shows it disconnected and the spill growing; when it is back the spill
 * replays by itself and health is ok again.
 */
describe('fault: InfluxDB down', () => {
  const rx = new WebhookReceiver();
  let vm: VictoriaMetrics;
  let gw: Gateway;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    await rx.start();
    const { file } = writeSite(
      pumpSite(2, {
        influx: { url: vm.url, bucket: 'cbm', flushInterval: 100, maxRetries: 0 },
        workOrders: cmmsOrders(rx.url),
      }),
      [bearingRule],
    );
    gw = await startGateway(file);
  });

  afterAll(async () => {
    await gw?.stop();
    await rx.stop();
    await vm?.destroy();
  });

  const sample = (asset: string, v: number): Sample[] => [{ tag: `${asset}/bearing_temp`, ts: Date.now(), value: v, quality: 'Good' }];

  it('keeps making orders, reports the outage, spills, and replays by itself', async () => {
    gw.ingest(sample('p-1', 60));
    await waitFor('a line written', async () => ((await health(gw)).timeseries!.written > 0 ? true : undefined), 10_000);

    await vm.stop();
    gw.ingest(sample('p-1', 61));
    const down = await waitFor('InfluxDB unreachable in health', async () => {
      const h = await health(gw);
      return h.reasons.includes('InfluxDB unreachable') ? h : undefined;
    }, 15_000);
    expect(down.status).toBe('degraded');
    // The rules do not wait for InfluxDB.
    gw.ingest(sample('p-2', 97));
    await waitFor('the order during the outage delivered', () => rx.orders.size === 1 || undefined, 10_000);
    for (let i = 0; i < 20; i++) gw.ingest(sample('p-1', 62 + i / 10));
    await gw.flushTimeSeries();
    const m = await metrics(gw);
    expect(m.get('cbm_timeseries_connected')).toBe(0);
    expect(m.get('cbm_spill_lines')).toBeGreaterThan(0);
    const written = (await health(gw)).timeseries!.written;

    await vm.start();
    await waitFor('spill replayed and health ok', async () => {
      const [h, mm] = [await health(gw), await metrics(gw)];
      return h.status === 'ok' && mm.get('cbm_spill_lines') === 0 && mm.get('cbm_timeseries_connected') === 1 ? true : undefined;
    }, 30_000);
    expect((await health(gw)).timeseries!.written).toBeGreaterThan(written + 20);
    expect(gw.view.outbox.counts()).toMatchObject({ delivered: 1, pending: 0 });
  });
});
