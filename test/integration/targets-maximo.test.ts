import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/config/schema.js';
import { MaximoTarget } from '../../src/workorders/targets/maximo.js';
import { createTarget } from '../../src/workorders/targets/registry.js';
import { MaximoSim } from '../../simulators/cmms/maximo-sim.js';
import { sampleOrder, targetContract } from './target-contract.js';
import { sampleUpdate } from './target-update-contract.js';

const API_KEY = 'mx-api-key-0123456789';

function config(url: string, apiKey = API_KEY, extra: Record<string, unknown> = {}) {
  const c = targetSchema.parse({ id: 'maximo', type: 'maximo', url, apiKey, siteid: 'BEDFORD', timeout: '3s', ...extra });
  if (c.type !== 'maximo') throw new Error('unreachable');
  return c;
}

const STATUS = { in_progress: 'INPRG', completed: 'COMP', cancelled: 'CAN' } as const;
/** A site scale unlike ours, so the contract sees the mapping applied. */
const WOPRIORITY = { 1: 1, 2: 3, 3: 5, 4: 7 } as const;

targetContract('maximo', () => {
  const sim = new MaximoSim({ apiKey: API_KEY, sites: ['BEDFORD'] });
  const wo = (key: string) => sim.orders.find((w) => w.externalrefid === key);
  return {
    start: async () => void (await sim.start()),
    stop: () => sim.stop(),
    count: () => sim.count,
    recordId: (key) => sim.orders.find((w) => w.externalrefid === key)?.wonum,
    loseNext: () => sim.loseNext(),
    failNext: (n, s) => sim.failNext(n, s),
    target: (o = {}) => createTarget(config(o.deadPort ? `http://127.0.0.1:${o.deadPort}` : sim.url, o.badCredentials ? 'wrong' : API_KEY, { priority: WOPRIORITY })),
    setStatus: (ref, status, notes) => sim.setStatus(ref.externalId!, STATUS[status], notes),
    externalIds: true,
    inspect: (ref) => {
      const w = wo(ref.key);
      return w && { priority: w.wopriority, notes: w.worklog.map((l) => `${l.description}\n${l.description_longdescription ?? ''}`) };
    },
    priorityValue: (p) => WOPRIORITY[p],
    loseNextUpdate: () => sim.loseNextUpdate(),
    setPriority: (ref, p) => sim.setPriority(wo(ref.key)!.wonum, WOPRIORITY[p]),
    unknownExternalId: '999999',
  };
});

describe('maximo target: the WORKORDER it creates', () => {
  const sim = new MaximoSim({ apiKey: API_KEY, sites: ['BEDFORD'] });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('maps our fields to mxapiwodetail: 100-char description, long description, priority, worktype, assetnum, key', async () => {
    const t = new MaximoTarget(config(sim.url));
    const o = sampleOrder({ priority: 1, type: 'PdM' });
    const { externalId } = await t.send(o, AbortSignal.timeout(5000));
    const wo = sim.orders.find((w) => w.wonum === externalId)!;
    expect(wo).toMatchObject({ siteid: 'BEDFORD', wopriority: 1, worktype: 'CM', assetnum: 'SN-4471-X', externalrefid: o.idempotencyKey, status: 'WAPPR' });
    expect(wo.description.length).toBeLessThanOrEqual(100);
    expect(o.title.length).toBeGreaterThan(100);
    expect(wo.description_longdescription).toContain('pump-101.de_bearing_temp = 96 °C');
    expect(wo.description_longdescription).toContain('SKF-6309-2Z');
    expect(wo.estdur).toBe(2.5);
  });

  it('uses assetMap and a configured key attribute', async () => {
    const c = targetSchema.parse({ id: 'mx', type: 'maximo', url: sim.url, apiKey: API_KEY, siteid: 'BEDFORD', keyAttribute: 'cbmkey', assetMap: { 'pump-101': 'P-101' }, priority: { 1: 10, 2: 20, 3: 30, 4: 40 } });
    if (c.type !== 'maximo') throw new Error('unreachable');
    const t = new MaximoTarget(c);
    const o = sampleOrder({ priority: 3 });
    await t.send(o, AbortSignal.timeout(5000));
    await t.send(o, AbortSignal.timeout(5000));
    const mine = sim.orders.filter((w) => w.cbmkey === o.idempotencyKey);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ assetnum: 'P-101', wopriority: 30 });
  });

  it('a Maximo business-rule error (unknown site) is rejected with the BMXAA message', async () => {
    const c = targetSchema.parse({ id: 'mx', type: 'maximo', url: sim.url, apiKey: API_KEY, siteid: 'NOWHERE' });
    if (c.type !== 'maximo') throw new Error('unreachable');
    await expect(new MaximoTarget(c).send(sampleOrder(), AbortSignal.timeout(5000))).rejects.toMatchObject({ code: 'CBM_ERR_TARGET_REJECTED', message: expect.stringContaining('BMXAA4153E') });
  });

  it('polls many orders in batches of 50 keys', async () => {
    const t = new MaximoTarget(config(sim.url));
    const orders = Array.from({ length: 120 }, () => sampleOrder());
    const refs = [];
    for (const o of orders) refs.push({ orderId: o.id, idempotencyKey: o.idempotencyKey, externalId: (await t.send(o, AbortSignal.timeout(5000))).externalId });
    for (const r of refs.filter((_, i) => i % 7 === 0)) sim.setStatus(r.externalId!, 'COMP', 'done');
    const requests = sim.requests;
    const updates = await t.pollStatus(refs, AbortSignal.timeout(5000));
    expect(sim.requests - requests).toBe(3);
    expect(updates).toHaveLength(refs.filter((_, i) => i % 7 === 0).length);
    expect(updates.every((u) => u.status === 'completed' && u.notes === 'done')).toBe(true);
  });
});

describe('maximo target: order updates', () => {
  const sim = new MaximoSim({ apiKey: API_KEY, sites: ['BEDFORD'] });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const signal = () => AbortSignal.timeout(5000);

  it("is one MERGE PATCH on the record: the technician's work log stays, ours is added with its type, wopriority only on an escalation", async () => {
    const t = new MaximoTarget(config(sim.url, API_KEY, { worklogType: 'WORK' }));
    const o = sampleOrder({ priority: 3 });
    const { externalId } = await t.send(o, signal());
    sim.setStatus(externalId!, 'INPRG', 'Checked the coupling, no play', 'JSMITH');
    const quiet = sampleUpdate(o, { sequence: 1 });
    await t.update(quiet, { externalId, order: o }, signal());
    expect(sim.patches.at(-1)).toMatchObject({ wonum: externalId, patchtype: 'MERGE' });
    expect(sim.patches.at(-1)!.body).not.toHaveProperty('wopriority');
    const up = sampleUpdate(o, { sequence: 2, priority: 1 });
    await t.update(up, { externalId, order: o }, signal());
    expect(sim.patches.at(-1)!.body).toMatchObject({ wopriority: 1 });
    const wo = sim.orders.find((w) => w.wonum === externalId)!;
    expect(wo.worklog.map((l) => [l.createby, l.logtype])).toEqual([
      ['JSMITH', 'WORK'],
      ['MAXADMIN', 'WORK'],
      ['MAXADMIN', 'WORK'],
    ]);
    expect(wo.worklog[2]!.description).toBe('Condition update 2: Bearing temperature high again, priority raised to P1');
    expect(wo.worklog[2]!.description_longdescription).toContain(up.note);
    expect(wo.worklog[2]!.description_longdescription).toContain(up.idempotencyKey);
  });

  it('a site that ranks 1 lowest gets the escalation in its own scale', async () => {
    const t = new MaximoTarget(config(sim.url, API_KEY, { priority: { 1: 4, 2: 3, 3: 2, 4: 1 } }));
    const o = sampleOrder({ priority: 3 });
    const { externalId } = await t.send(o, signal());
    expect(sim.orders.find((w) => w.wonum === externalId)!.wopriority).toBe(2);
    await t.update(sampleUpdate(o, { priority: 2 }), { externalId, order: o }, signal());
    expect(sim.orders.find((w) => w.wonum === externalId)!.wopriority).toBe(3);
  });

  it('the simulator, as Maximo, replaces the work log on a PATCH without MERGE', async () => {
    const t = new MaximoTarget(config(sim.url));
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    sim.setStatus(externalId!, 'INPRG', 'first note');
    const href = `${sim.url}/maximo/api/os/mxapiwodetail/_${Buffer.from(`${externalId}/BEDFORD`).toString('base64url')}`;
    const res = await fetch(href, { method: 'POST', headers: { apikey: API_KEY, 'x-method-override': 'PATCH', 'content-type': 'application/json' }, body: JSON.stringify({ worklog: [{ description: 'second note' }] }) });
    expect(res.status).toBe(204);
    expect(sim.orders.find((w) => w.wonum === externalId)!.worklog.map((l) => l.description)).toEqual(['second note']);
  });
});
