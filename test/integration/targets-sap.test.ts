import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/config/schema.js';
import { SapTarget, sapReference } from '../../src/workorders/targets/sap.js';
import { createTarget } from '../../src/workorders/targets/registry.js';
import { SapSim } from '../../simulators/cmms/sap-sim.js';
import { sampleOrder, targetContract } from './target-contract.js';

const USER = 'CBM_RFC';
const PASS = 'Welcome1!';

function config(url: string, password = PASS) {
  const c = targetSchema.parse({ id: 'sap', type: 'sap', url, username: USER, password, maintenancePlanningPlant: '1010', timeout: '3s' });
  if (c.type !== 'sap') throw new Error('unreachable');
  return c;
}

const PHASE = { in_progress: '3', completed: '4', cancelled: '5' } as const;

targetContract('sap', () => {
  const sim = new SapSim({ username: USER, password: PASS });
  return {
    start: async () => void (await sim.start()),
    stop: () => sim.stop(),
    count: () => sim.count,
    recordId: (key) => sim.notifications.find((n) => n.MaintNotifExtReferenceNumber === sapReference(key))?.MaintenanceNotification,
    loseNext: () => sim.loseNext(),
    failNext: (n, s) => sim.failNext(n, s),
    target: (o = {}) => createTarget(config(o.deadPort ? `http://127.0.0.1:${o.deadPort}` : sim.url, o.badCredentials ? 'wrong' : PASS)),
    setStatus: (ref, status, notes) => sim.setPhase(ref.externalId!, PHASE[status], notes),
    externalIds: true,
  };
});

describe('sap target: CSRF, session cookies and the notification it creates', () => {
  const sim = new SapSim({ username: USER, password: PASS });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('fetches the token on the lookup GET and posts with it and the session cookie', async () => {
    const t = new SapTarget(config(sim.url));
    const before = sim.csrfFetches;
    const o = sampleOrder({ priority: 1 });
    const { externalId } = await t.send(o, AbortSignal.timeout(5000));
    expect(sim.csrfFetches).toBe(before + 1);
    expect(sim.csrfRejections).toBe(0);
    const n = sim.notifications.find((x) => x.MaintenanceNotification === externalId)!;
    expect(n).toMatchObject({ NotificationType: 'M1', MaintPriority: '1', TechnicalObject: 'PUMP-101', TechObjIsEquipOrFuncnlLoc: 'EAMS_EQUI', MaintenancePlanningPlant: '1010' });
    expect(n.NotificationText.length).toBeLessThanOrEqual(40);
    expect(n.MaintNotifExtReferenceNumber).toBe(sapReference(o.idempotencyKey));
    expect(n.MaintNotifExtReferenceNumber).toMatch(/^CBM[0-9A-F]{17}$/);
    expect(n.MaintNotificationLongText).toContain(o.idempotencyKey);
  });

  it('re-fetches the token once on 403 "CSRF token validation failed", without a duplicate', async () => {
    const t = new SapTarget(config(sim.url));
    const fetches = sim.csrfFetches;
    const rejections = sim.csrfRejections;
    const count = sim.count;
    sim.expireBeforeNextCreate();
    const o = sampleOrder();
    const { externalId } = await t.send(o, AbortSignal.timeout(5000));
    expect(sim.csrfRejections).toBe(rejections + 1);
    expect(sim.csrfFetches).toBe(fetches + 2);
    expect(sim.count).toBe(count + 1);
    expect(externalId).toBe(sim.notifications.at(-1)!.MaintenanceNotification);
  });

  it('a token refused twice in a row is rejected, naming the likely cause', async () => {
    const t = new SapTarget(config(sim.url));
    sim.expireBeforeNextCreate(2);
    await expect(t.send(sampleOrder(), AbortSignal.timeout(5000))).rejects.toMatchObject({ code: 'CBM_ERR_TARGET_REJECTED', retryable: false, message: expect.stringContaining('sticky sessions') });
  });

  it('a POST without a token is refused by the simulator as SAP Gateway does', async () => {
    const res = await fetch(`${sim.url}/sap/opu/odata/sap/API_MAINTNOTIFICATION/MaintenanceNotification`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ NotificationText: 'x' }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-csrf-token')).toBe('Required');
    expect(await res.text()).toBe('CSRF token validation failed');
  });

  it('maps priorities 1..4 through the configured table', async () => {
    const c = targetSchema.parse({ id: 'sap2', type: 'sap', url: sim.url, username: USER, password: PASS, priority: { 1: '1', 2: '1', 3: '2', 4: '3' }, technicalObject: 'serialNumber' });
    if (c.type !== 'sap') throw new Error('unreachable');
    const t = new SapTarget(c);
    const { externalId } = await t.send(sampleOrder({ priority: 4 }), AbortSignal.timeout(5000));
    expect(sim.notifications.find((n) => n.MaintenanceNotification === externalId)).toMatchObject({ MaintPriority: '3', TechnicalObject: 'SN-4471-X' });
  });

  it('concurrent sends from a fresh target share one session without CSRF failures', async () => {
    const t = new SapTarget(config(sim.url));
    const count = sim.count;
    const rejections = sim.csrfRejections;
    const orders = Array.from({ length: 12 }, () => sampleOrder());
    const ids = await Promise.all(orders.map((o) => t.send(o, AbortSignal.timeout(10_000))));
    expect(new Set(ids.map((r) => r.externalId)).size).toBe(12);
    expect(sim.count).toBe(count + 12);
    // Concurrent first GETs each start a session; the target keeps cookie and token as one pair, so every POST is valid.
    expect(sim.csrfRejections).toBe(rejections);
  });
});
