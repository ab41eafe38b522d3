import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/config/schema.js';
import { MaintainxTarget } from '../../src/workorders/targets/maintainx.js';
import { createTarget } from '../../src/workorders/targets/registry.js';
import { MaintainxSim } from '../../simulators/cmms/maintainx-sim.js';
import { sampleOrder, targetContract } from './target-contract.js';
import { sampleUpdate } from './target-update-contract.js';

const KEY = 'mx_live_0123456789abcdef';

function config(url: string, apiKey = KEY, extra: Record<string, unknown> = {}) {
  const c = targetSchema.parse({ id: 'maintainx', type: 'maintainx', url, apiKey, timeout: '3s', ...extra });
  if (c.type !== 'maintainx') throw new Error('unreachable');
  return c;
}

const STATUS = { in_progress: 'IN_PROGRESS', completed: 'DONE', cancelled: 'CLOSED' } as const;
/** The target's default mapping. */
const PRIORITY = { 1: 'HIGH', 2: 'HIGH', 3: 'MEDIUM', 4: 'LOW' } as const;

targetContract('maintainx', () => {
  const sim = new MaintainxSim({ apiKey: KEY });
  const wo = (key: string) => sim.workOrders.find((x) => x.externalData?.cbmIdempotencyKey === key);
  return {
    start: async () => void (await sim.start()),
    stop: () => sim.stop(),
    count: () => sim.count,
    recordId: (key) => {
      const w = sim.workOrders.find((x) => x.externalData?.cbmIdempotencyKey === key);
      return w ? String(w.id) : undefined;
    },
    loseNext: () => sim.loseNext(),
    failNext: (n, s) => sim.failNext(n, s),
    target: (o = {}) => createTarget(config(o.deadPort ? `http://127.0.0.1:${o.deadPort}` : sim.url, o.badCredentials ? 'wrong' : KEY)),
    setStatus: (ref, status, notes) => sim.setStatus(Number(ref.externalId), STATUS[status], notes),
    externalIds: true,
    inspect: (ref) => {
      const w = wo(ref.key);
      return w && { priority: w.priority, notes: (sim.comments.get(w.id) ?? []).map((c) => c.content) };
    },
    priorityValue: (p) => PRIORITY[p],
    loseNextUpdate: () => sim.loseNextUpdate(),
    setPriority: (ref, p) => sim.setPriority(wo(ref.key)!.id, PRIORITY[p]),
    unknownExternalId: '999999',
  };
});

describe('maintainx target: the work order it creates and the lookup window', () => {
  const sim = new MaintainxSim({ apiKey: KEY });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('maps priority, asset, categories, estimated time (s) and keeps the key in externalData', async () => {
    const t = new MaintainxTarget(config(sim.url, KEY, { assetMap: { 'pump-101': 8901 }, locationId: 2345, categories: ['Condition Based'] }));
    const o = sampleOrder({ priority: 3 });
    const { externalId } = await t.send(o, AbortSignal.timeout(5000));
    const w = sim.workOrders.find((x) => String(x.id) === externalId)!;
    expect(w).toMatchObject({ priority: 'MEDIUM', assetId: 8901, locationId: 2345, categories: ['Condition Based'], estimatedTime: 9000 });
    expect(w.externalData).toMatchObject({ cbmIdempotencyKey: o.idempotencyKey, gatewayId: 'gw-test' });
    expect(w.description).toContain('SKF-6309-2Z');
  });

  it('finds its order on a later page after others were created in between', async () => {
    const t = new MaintainxTarget(config(sim.url, KEY, { lookupPages: 3 }));
    const o = sampleOrder();
    const first = await t.send(o, AbortSignal.timeout(5000));
    sim.addOthers(150);
    const count = sim.count;
    const again = await t.send(o, AbortSignal.timeout(5000));
    expect(again.externalId).toBe(first.externalId);
    expect(sim.count).toBe(count);
  });

  it('beyond lookupPages × 100 newer orders the lookup cannot see it (the documented limit)', async () => {
    const t = new MaintainxTarget(config(sim.url, KEY, { lookupPages: 1 }));
    const o = sampleOrder();
    await t.send(o, AbortSignal.timeout(5000));
    sim.addOthers(120);
    const count = sim.count;
    await t.send(o, AbortSignal.timeout(5000));
    expect(sim.count).toBe(count + 1);
  });
});

describe('maintainx target: order updates', () => {
  const sim = new MaintainxSim({ apiKey: KEY });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const signal = () => AbortSignal.timeout(5000);

  it('finds its comment on a later page of a busy work order, so a retry does not comment twice', async () => {
    const t = new MaintainxTarget(config(sim.url));
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    sim.addComments(Number(externalId), 120);
    const u = sampleUpdate(o);
    await t.update(u, { externalId, order: o }, signal());
    sim.addComments(Number(externalId), 90);
    await t.update(u, { externalId, order: o }, signal());
    const mine = (sim.comments.get(Number(externalId)) ?? []).filter((c) => c.content.includes(u.idempotencyKey));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.content).toContain(u.note);
  });

  it('patches the priority only on an escalation that the mapping turns into another value', async () => {
    const t = new MaintainxTarget(config(sim.url));
    const o = sampleOrder({ priority: 2 });
    const { externalId } = await t.send(o, signal());
    const patches = () => sim.patches.filter((p) => p.id === Number(externalId)).map((p) => p.body);
    await t.update(sampleUpdate(o, { sequence: 1 }), { externalId, order: o }, signal());
    await t.update(sampleUpdate(o, { sequence: 2, priority: 1 }), { externalId, order: o }, signal()); // P2 and P1 are both HIGH
    expect(patches()).toEqual([]);
    const low = sampleOrder({ priority: 4 });
    const r = await t.send(low, signal());
    await t.update(sampleUpdate(low, { priority: 3 }), { externalId: r.externalId, order: low }, signal());
    expect(sim.patches.filter((p) => p.id === Number(r.externalId)).map((p) => p.body)).toEqual([{ priority: 'MEDIUM' }]);
  });
});
