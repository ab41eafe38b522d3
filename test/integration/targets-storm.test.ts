import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteConfigSchema, targetSchema } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { openStore, type Db } from '../../src/store/db.js';
import { Dispatcher } from '../../src/workorders/dispatcher.js';
import { Outbox } from '../../src/workorders/outbox.js';
import type { WorkOrderTarget } from '../../src/workorders/target.js';
import { createTarget } from '../../src/workorders/targets/registry.js';
import { sapReference } from '../../src/workorders/targets/sap.js';
import { MaintainxSim } from '../../simulators/cmms/maintainx-sim.js';
import { MaximoSim } from '../../simulators/cmms/maximo-sim.js';
import { MqttReceiverSim } from '../../simulators/cmms/mqtt-receiver.js';
import { SapSim } from '../../simulators/cmms/sap-sim.js';
import { waitFor } from '../helpers/servers.js';
import { sampleOrder } from './target-contract.js';
import { sampleUpdate } from './target-update-contract.js';

/**
 * The outbox and dispatcher against every CMMS simulator at once while they misbehave: bursts
 * of 503, 429 and lost responses. Every order must land exactly once in every CMMS, and every
 * update once, on its order.
 */
describe('outbox + dispatcher + all CMMS targets under faults', () => {
  const maximo = new MaximoSim({ apiKey: 'k' });
  const sap = new SapSim({ username: 'U', password: 'P' });
  const mx = new MaintainxSim({ apiKey: 'k' });
  const mqtt = new MqttReceiverSim();
  let db: Db;
  const targets = new Map<string, WorkOrderTarget>();

  beforeAll(async () => {
    await Promise.all([maximo.start(), sap.start(), mx.start(), mqtt.start()]);
    const t = (raw: Record<string, unknown>) => createTarget(targetSchema.parse({ timeout: '2s', ...raw }));
    targets.set('maximo', t({ id: 'maximo', type: 'maximo', url: maximo.url, apiKey: 'k', siteid: 'S1' }));
    targets.set('sap', t({ id: 'sap', type: 'sap', url: sap.url, username: 'U', password: 'P' }));
    targets.set('maintainx', t({ id: 'maintainx', type: 'maintainx', url: mx.url, apiKey: 'k' }));
    targets.set('mqtt', t({ id: 'mqtt', type: 'mqtt', url: mqtt.url }));
  });
  afterAll(async () => {
    await Promise.all([...targets.values()].map((t) => t.close()));
    await Promise.all([maximo.stop(), sap.stop(), mx.stop(), mqtt.stop()]);
    db?.close();
  });

  it('60 orders over 6 assets and 20 updates reach each CMMS exactly once', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const cfg = siteConfigSchema.parse({ gateway: { id: 'gw' }, site: { id: 's', name: 'S' }, workOrders: { retry: { initialDelay: 20, maxDelay: 200 } } });
    const d = new Dispatcher({ outbox, targets, clock: systemClock, log: silentLogger, retry: cfg.workOrders.retry, concurrency: 4, idlePoll: 50 });
    const orders = Array.from({ length: 60 }, (_, i) => sampleOrder({ asset: { ...sampleOrder().asset, id: `asset-${i % 6}` } }));
    d.start();
    let i = 0;
    for (const o of orders) {
      // Faults land while deliveries are in flight, on every simulator in turn.
      if (i % 10 === 3) maximo.loseNext();
      if (i % 10 === 5) sap.failNext(2, 503);
      if (i % 10 === 7) mx.loseNext();
      if (i % 10 === 8) mx.failNext(1, 429);
      if (i % 15 === 9) sap.loseNext();
      if (i % 20 === 11) mqtt.loseNext();
      if (i % 10 === 2) maximo.failNext(1, 502);
      if (i % 10 === 4) mx.loseNextUpdate();
      if (i % 10 === 6) maximo.loseNextUpdate();
      if (i % 15 === 1) sap.loseNextUpdate();
      outbox.enqueue(o, [...targets.keys()], Date.now());
      // Every third order gets an update at once: it must wait for its order on each target.
      if (i % 3 === 0) {
        const { sequence: _s, idempotencyKey: _k, ...draft } = sampleUpdate(o, { priority: 1 });
        outbox.enqueueUpdate(draft, [...targets.keys()], Date.now(), Date.now());
      }
      d.wake();
      i++;
      await new Promise((r) => setTimeout(r, 5));
    }
    const updated = orders.filter((_, k) => k % 3 === 0);
    const deliveries = (orders.length + updated.length) * targets.size;
    await waitFor('every delivery', () => (outbox.counts().delivered === deliveries ? true : undefined), 45_000, 100);
    await d.stop();
    expect(outbox.counts()).toMatchObject({ delivered: 320, pending: 0, failed: 0 });
    const once = (texts: string[], key: string) => texts.join('\n').split(key).length - 1;
    for (const o of orders) {
      const uKey = updated.includes(o) ? outbox.list({ orderId: o.id })[0]!.updates[0]!.idempotencyKey : undefined;
      const wo = maximo.orders.filter((w) => w.externalrefid === o.idempotencyKey);
      expect(wo).toHaveLength(1);
      const n = sap.notifications.filter((x) => x.MaintNotifExtReferenceNumber === sapReference(o.idempotencyKey));
      expect(n).toHaveLength(1);
      const w = mx.workOrders.filter((x) => x.externalData?.cbmIdempotencyKey === o.idempotencyKey);
      expect(w).toHaveLength(1);
      expect(mqtt.inbox.orders.has(o.idempotencyKey)).toBe(true);
      if (!uKey) continue;
      expect(once(wo[0]!.worklog.map((l) => l.description_longdescription ?? ''), uKey)).toBe(1);
      expect(wo[0]!.wopriority).toBe(1);
      expect(once([n[0]!.MaintNotificationLongText], uKey)).toBe(1);
      expect(n[0]!.MaintPriority).toBe('1');
      expect(once((mx.comments.get(w[0]!.id) ?? []).map((c) => c.content), uKey)).toBe(1);
      expect(w[0]!.priority).toBe('HIGH');
      expect(mqtt.inbox.orders.get(o.idempotencyKey)!.updates.map((u) => u.idempotencyKey)).toEqual([uKey]);
    }
    expect(mqtt.inbox.orphans).toBe(0);
    expect([maximo.count, sap.count, mx.count, mqtt.count]).toEqual([60, 60, 60, 60]);
    expect(d.stats.retried).toBeGreaterThanOrEqual(20);
  });
});
