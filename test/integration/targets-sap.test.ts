import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/config/schema.js';
import { SapTarget, sapReference } from '../../src/workorders/targets/sap.js';
import { createTarget } from '../../src/workorders/targets/registry.js';
import { SapSim } from '../../simulators/cmms/sap-sim.js';
import { sampleOrder, targetContract } from './target-contract.js';
import { sampleUpdate } from './target-update-contract.js';

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
  const notification = (key: string) => sim.notifications.find((n) => n.MaintNotifExtReferenceNumber === sapReference(key));
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
    inspect: (ref) => {
      const n = notification(ref.key);
      return n && { priority: n.MaintPriority, notes: [n.MaintNotificationLongText] };
    },
    priorityValue: (p) => String(p),
    loseNextUpdate: () => sim.loseNextUpdate(),
    setPriority: (ref, p) => sim.setPriority(notification(ref.key)!.MaintenanceNotification, String(p)),
    unknownExternalId: '000099999999',
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

describe('sap target: order updates (ETag, CSRF, long text)', () => {
  const sim = new SapSim({ username: USER, password: PASS });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const signal = () => AbortSignal.timeout(5000);
  const notification = (n: string) => sim.notifications.find((x) => x.MaintenanceNotification === n)!;

  it('a notification changed between our read and our PATCH (412) is read again and patched once', async () => {
    const t = new SapTarget(config(sim.url));
    const o = sampleOrder({ priority: 3 });
    const { externalId } = await t.send(o, signal());
    const failures = sim.preconditionFailures;
    sim.editBeforeNextUpdate();
    const u = sampleUpdate(o, { priority: 1 });
    await t.update(u, { externalId, order: o }, signal());
    expect(sim.preconditionFailures).toBe(failures + 1);
    expect(sim.patches.filter((p) => p.number === externalId)).toHaveLength(1);
    expect(notification(externalId!)).toMatchObject({ MaintPriority: '1' });
    expect(notification(externalId!).MaintNotificationLongText.split(u.idempotencyKey)).toHaveLength(2);
  });

  it('changed again on the second try: retryable, naming the 412', async () => {
    const t = new SapTarget(config(sim.url));
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    sim.editBeforeNextUpdate(2);
    await expect(t.update(sampleUpdate(o), { externalId, order: o }, signal())).rejects.toMatchObject({ code: 'CBM_ERR_TARGET_UNAVAILABLE', retryable: true, message: expect.stringContaining('412') });
    expect(sim.patches.filter((p) => p.number === externalId)).toHaveLength(0);
  });

  it('a session that expired before the PATCH fetches a new token once and applies the update once', async () => {
    const t = new SapTarget(config(sim.url));
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    const rejections = sim.csrfRejections;
    sim.expireBeforeNextUpdate();
    await t.update(sampleUpdate(o), { externalId, order: o }, signal());
    expect(sim.csrfRejections).toBe(rejections + 1);
    expect(sim.patches.filter((p) => p.number === externalId)).toHaveLength(1);
  });

  it('a long history of events is cut to the 1,333 characters of MaintNotifLongTextForEdit, keeping the newest and the key', async () => {
    const t = new SapTarget(config(sim.url));
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    const base = sampleUpdate(o);
    const lines = Array.from({ length: 60 }, (_, i) => `2026-01-01T00:${String(i).padStart(2, '0')}:00.000Z: Bearing temperature high raised, episode ${i + 2} (pump-101.de_bearing_temp 97 °C > 90 °C).`);
    const u = { ...base, note: lines.join('\n') };
    await t.update(u, { externalId, order: o }, signal());
    const sent = String(sim.patches.at(-1)!.body.MaintNotifLongTextForEdit);
    expect(sent.length).toBeLessThanOrEqual(1333);
    expect(sent).toContain(lines.at(-1));
    expect(sent).not.toContain(lines[0]);
    expect(sent).toMatch(/^\(\d+ earlier lines left out\)/);
    expect(sent.endsWith(u.idempotencyKey)).toBe(true);
  });

  it('the simulator refuses a PATCH without If-Match (428) and with a stale ETag (412), as SAP Gateway does', async () => {
    const t = new SapTarget(config(sim.url));
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    const auth = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
    const url = `${sim.url}/sap/opu/odata/sap/API_MAINTNOTIFICATION/MaintenanceNotification('${externalId}')`;
    const read = await fetch(url, { headers: { authorization: auth, 'x-csrf-token': 'Fetch' } });
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"datetime'/);
    const headers = { authorization: auth, 'x-csrf-token': read.headers.get('x-csrf-token')!, cookie: read.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 'content-type': 'application/json' };
    const body = JSON.stringify({ MaintPriority: '1' });
    expect((await fetch(url, { method: 'PATCH', headers, body })).status).toBe(428);
    expect((await fetch(url, { method: 'PATCH', headers: { ...headers, 'if-match': 'W/"datetime\'2000-01-01T00:00:00.0000000\'"' }, body })).status).toBe(412);
    const ok = await fetch(url, { method: 'PATCH', headers: { ...headers, 'if-match': etag }, body });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('etag')).not.toBe(etag);
  });
});
