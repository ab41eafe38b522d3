import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import type { OrderStatusEvent } from '../../src/workorders/status.js';
import { bearingRule, pumpSite, startGateway, writeSite, apiOf } from '../helpers/gateway.js';
import { freePort, waitFor } from '../helpers/servers.js';

const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../gateway/cli.ts')];
const sign = (body: string) => `sha256=${createHmac('sha256', 'cmms-secret').update(body).digest('hex')}`;

/**
 * The operator's and the CMMS's side of the outbox, end to end on a running gateway: a delivery
 * that runs out of attempts is dead-lettered with its error, listed by API and CLI, retried once
 * the CMMS is back; the CMMS reports progress through the signed status endpoint; the metrics say it all.
 */
describe('dead letters, retry/cancel and status back on a running gateway', () => {
  let gw: Gateway;
  let file: string;
  let rxPort: number;
  const rx = new WebhookReceiver({ secret: 's' });
  const events: OrderStatusEvent[] = [];

  beforeAll(async () => {
    rxPort = await freePort();
    ({ file } = writeSite(
      pumpSite(2, {
        workOrders: {
          targets: [{ id: 'cmms', type: 'webhook', url: `http://127.0.0.1:${rxPort}/wo`, secret: 's', timeout: 1000 }],
          retry: { initialDelay: 20, maxDelay: 50, maxAttempts: 3 },
          status: { secret: 'cmms-secret', pollInterval: 0 },
        },
      }),
      [bearingRule],
    ));
    gw = await startGateway(file);
    gw.onOrderStatus((e) => events.push(e));
  });

  afterAll(async () => {
    await gw?.stop();
    await rx.stop();
  });

  const api = () => apiOf(gw);
  const post = (url: string, body?: unknown, headers: Record<string, string> = {}) =>
    api().inject({ method: 'POST', url, ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }) });

  it('dead-letters after maxAttempts, lists it by API and CLI, and delivers it after a retry', async () => {
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: Date.now(), value: 91, quality: 'Good' }]);
    await waitFor('dead letter', () => (gw.view.outbox.counts().dead === 1 ? true : undefined), 10_000);
    const dead = (await api().inject('/api/work-orders?state=dead')).json() as { id: string; idempotencyKey: string; deliveries: { state: string; attempts: number; lastError: string }[] }[];
    expect(dead).toHaveLength(1);
    expect(dead[0]!.deliveries[0]).toMatchObject({ state: 'dead', attempts: 3 });
    expect(dead[0]!.deliveries[0]!.lastError).toMatch(/ECONNREFUSED|127\.0\.0\.1/);

    const list = spawnSync(process.execPath, [...CLI, 'outbox', 'list', '--config', file, '--state', 'dead'], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(dead[0]!.idempotencyKey);
    expect(list.stdout).toMatch(/cmms: dead attempts=3 .*last error/);

    await rx.start(rxPort);
    // The CLI works on the SQLite file beside the running gateway (WAL); the dispatcher picks it up.
    const retry = spawnSync(process.execPath, [...CLI, 'outbox', 'retry', '--config', file, dead[0]!.idempotencyKey], { encoding: 'utf8' });
    expect(retry.stdout).toMatch(/retrying 1 delivery/);
    expect(retry.status).toBe(0);
    gw.view.wakeDispatcher();
    await waitFor('delivered after retry', () => (rx.orders.has(dead[0]!.idempotencyKey) && gw.view.outbox.counts().delivered === 1 ? true : undefined), 10_000);
    expect((await post(`/api/work-orders/${dead[0]!.id}/retry`)).statusCode).toBe(409);
    expect((await post(`/api/work-orders/${dead[0]!.id}/cancel`)).statusCode).toBe(409);
    expect((await post('/api/work-orders/nope/cancel')).statusCode).toBe(404);
  });

  it('cancels a pending order through the API', async () => {
    await rx.stop();
    gw.ingest([{ tag: 'p-2/bearing_temp', ts: Date.now(), value: 95, quality: 'Good' }]);
    await waitFor('pending order', () => (gw.view.outbox.counts().pending === 1 ? true : undefined), 5_000);
    const [o] = (await api().inject('/api/work-orders?asset=p-2&state=pending')).json() as { id: string }[];
    const res = await post(`/api/work-orders/${o!.id}/cancel`);
    expect(res.json()).toEqual({ id: o!.id, cancelled: 1 });
    expect(gw.view.outbox.counts()).toMatchObject({ pending: 0, cancelled: 1 });
    await rx.start(rxPort);
  });

  it('takes signed status reports, keeps the history per asset, and calls the hook once per change', async () => {
    const [order] = [...rx.orders.values()];
    const body = { externalId: order!.externalId, status: 'completed', notes: 'Bearing replaced, alignment checked', technician: 'M. Keller', at: '2026-11-25T10:00:00Z' };
    expect((await post('/api/work-orders/status', body)).statusCode).toBe(401);
    expect((await post('/api/work-orders/status', body, { 'x-cbm-signature': 'sha256=00' })).statusCode).toBe(401);
    const ok = await post('/api/work-orders/status', body, { 'x-cbm-signature': sign(JSON.stringify(body)) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ result: 'applied', status: 'completed' });
    const again = await post('/api/work-orders/status', body, { 'x-cbm-signature': sign(JSON.stringify(body)) });
    expect(again.json()).toMatchObject({ result: 'duplicate' });
    const bad = { id: 'x', status: 'done' };
    expect((await post('/api/work-orders/status', bad, { 'x-cbm-signature': sign(JSON.stringify(bad)) })).statusCode).toBe(400);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'inbound', previous: 'open', order: { assetId: 'p-1', ruleId: 'bearing-hot', episode: 1 }, update: { status: 'completed', technician: 'M. Keller' } });
    const perAsset = (await api().inject('/api/assets/p-1/work-orders')).json() as { status: string; statusHistory: { status: string; notes: string }[] }[];
    expect(perAsset[0]).toMatchObject({ status: 'completed', statusHistory: [{ status: 'completed', notes: 'Bearing replaced, alignment checked' }] });
  });

  it('exports outbox size and age, delivery latency and dead letters as metrics', async () => {
    const m = (await api().inject('/metrics')).body;
    expect(m).toMatch(/^cbm_outbox_pending 0$/m);
    expect(m).toMatch(/^cbm_outbox_oldest_pending_age_seconds 0$/m);
    expect(m).toMatch(/^cbm_outbox_deliveries\{state="dead"\} 0$/m); // retried since
    expect(m).toMatch(/^cbm_deliveries_dead_total 1$/m);
    expect(m).toMatch(/^cbm_target_deliveries_total\{target="cmms",outcome="sent"\} 1$/m);
    expect(m).toMatch(/^cbm_delivery_latency_seconds_count\{target="cmms"\} 1$/m);
    expect(m).toMatch(/^cbm_delivery_latency_seconds_bucket\{target="cmms",le="\+Inf"\} 1$/m);
  });
});
