import { describe, expect, it } from 'vitest';
import { EdgeModel } from '../../../src/sparkplug/model.js';
import { Catalog } from '../../../src/tags/catalog.js';

const catalog = new Catalog({
  site: { id: 's', name: 'S' },
  areas: [],
  assets: [
    { id: 'a', name: 'A', criticality: 'B', attributes: {}, meters: [], tags: [{ id: 't', range: { min: 0, max: 200 } }, { id: 'u' }] },
    { id: 'b', name: 'B', criticality: 'B', attributes: {}, meters: [], tags: [{ id: 'v' }] },
  ],
});

function model(over: Partial<ConstructorParameters<typeof EdgeModel>[0]> = {}): EdgeModel {
  return new EdgeModel({ assets: [...catalog.assets.values()], tagCount: catalog.tags.length, deadbandOf: (k) => (k === 'a/t' ? { percent: 1 } : { absolute: 0 }), alarms: true, workOrders: true, nodeProperties: { Site: 's' }, ...over });
}

describe('edge model', () => {
  it('queues nothing outside a session but keeps the latest value for the next birth', () => {
    const m = model();
    expect(m.sample(0, 100, 50, 'Good')).toBe(false);
    expect(m.pendingCount).toBe(0);
    const birth = m.deviceBirth('a', 200);
    expect(birth.find((x) => x.name === 't')).toMatchObject({ value: 50, timestamp: 100, type: 'Double' });
    expect(birth.find((x) => x.name === 'u')).toMatchObject({ value: null, timestamp: 200 });
  });

  it('in a session: deadbands against the last published value, per device, in order; quality changes always go', () => {
    const m = model();
    m.deviceBirth('a', 0);
    m.live = true;
    expect(m.sample(0, 1, 10, 'Good')).toBe(true); // nothing published before: always
    expect(m.sample(0, 2, 11.9, 'Good')).toBe(false); // 1 % of 200 = 2
    expect(m.sample(0, 3, 12.1, 'Good')).toBe(true);
    expect(m.sample(0, 4, 12.1, 'Uncertain')).toBe(true);
    expect(m.sample(1, 5, 'on', 'Good')).toBe(false); // a string no Double carries: counted
    expect(m.unsendable).toBe(1);
    expect(m.sample(2, 6, true, 'Good')).toBe(true);
    const data = m.takeData();
    expect(data.map((d) => [d.device, d.metrics.map((x) => [x.value, x.timestamp])])).toEqual([
      ['a', [[10, 1], [12.1, 3], [12.1, 4]]],
      ['b', [[1, 6]]],
    ]);
    expect(data[0]!.metrics[2]!.properties).toEqual({ Quality: { type: 'Int32', value: 500 } });
    expect(m.pendingCount).toBe(0);
    m.endSession();
    expect(m.sample(0, 7, 100, 'Good')).toBe(false);
  });

  it('alarms: a new rule instance asks for a rebirth, later changes queue only what changed', () => {
    const m = model();
    m.live = true;
    expect(m.alarm({ ruleId: 'r', assetId: 'a', state: 'normal', active: false, priority: 2, ts: 1 })).toBe('rebirth');
    expect(m.alarm({ ruleId: 'r', assetId: 'a', state: 'unacknowledged', active: true, priority: 2, ts: 2 })).toBe('queued');
    expect(m.alarm({ ruleId: 'r', assetId: 'zz', state: 'normal', active: false, priority: 2, ts: 2 })).toBe('ignored');
    expect(m.takeData()[0]!.metrics.map((x) => [x.type, x.value])).toEqual([['String', 'unacknowledged'], ['Boolean', true]]);
    expect(model({ alarms: false }).alarm({ ruleId: 'r', assetId: 'a', state: 'normal', active: false, priority: 2, ts: 1 })).toBe('ignored');
  });

  it('work orders: open count and the last order, closed states leave the count', () => {
    const m = model();
    m.live = true;
    m.order({ orderId: 'o1', assetId: 'a', ruleId: 'r', state: 'open', ts: 1 });
    m.order({ orderId: 'o2', assetId: 'a', ruleId: 'r2', state: 'open', ts: 2 });
    m.order({ orderId: 'o1', assetId: 'a', state: 'completed', ts: 3 });
    const names = new Map(m.deviceBirth('a', 4).map((x) => [x.name, x.value]));
    expect(names.get('WorkOrders/Open')).toBe(1);
    expect(names.get('WorkOrders/Last Id')).toBe('o1');
    expect(names.get('WorkOrders/Last State')).toBe('completed');
    expect(names.get('WorkOrders/Last Rule')).toBe('r'); // kept from the order's first report
  });

  it('aliases are unique across node and devices and the same for the same config', () => {
    const all = (m: EdgeModel) => [...m.nodeBirth(0, 0), ...m.deviceIds.flatMap((d) => m.deviceBirth(d, 0))].map((x) => [x.name, x.alias]);
    const one = all(model());
    expect(new Set(one.map((x) => x[1])).size).toBe(one.length);
    expect(all(model())).toEqual(one);
  });
});
