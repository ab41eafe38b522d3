import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sparkplugConfig } from '../../src/config/fleet.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createEdgeNode } from '../../src/sparkplug/create.js';
import type { EdgeNode } from '../../src/sparkplug/edge-node.js';
import { Catalog } from '../../src/tags/catalog.js';
import { capture, DataType, decodeWire, encodeWire, prop, type WireMetric, type WirePayload } from '../helpers/sparkplug.js';
import { spawnLogged, startMosquitto, tempDir, waitFor } from '../helpers/servers.js';

const site = {
  site: { id: 'plant-a', name: 'Plant A' },
  areas: [],
  assets: [
    { id: 'p-1', name: 'Pump 1', class: 'pump', criticality: 'A' as const, attributes: {}, meters: [], serialNumber: 'SN-1', tags: [{ id: 'bearing_temp', unit: 'degC', range: { min: -40, max: 200 } }, { id: 'vibration', unit: 'mm/s', range: { min: 0, max: 100 } }] },
    { id: 'f-1', name: 'Fan 1', criticality: 'C' as const, attributes: {}, meters: [], tags: [{ id: 'speed' }] },
  ],
};
const catalog = new Catalog(site);
const idx = (key: string) => catalog.tag(key)!.index;

let broker: Awaited<ReturnType<typeof startMosquitto>>;
beforeAll(async () => void (broker = await startMosquitto()));
afterAll(async () => broker?.stop());

function edgeNode(dataDir: string, extra: Record<string, unknown> = {}): EdgeNode {
  const cfg = sparkplugConfig.parse({ url: broker.url, keepalive: '2s', publishInterval: 0, deadbands: { 'p-1/bearing_temp': { absolute: 0.5 }, 'p-1/vibration': { percent: 1 } }, ...extra });
  return createEdgeNode(cfg, { gatewayId: 'gw-1', site: site.site, assets: [...catalog.assets.values()], tagCount: catalog.tags.length, dataDir, clock: systemClock, log: silentLogger, version: '0.1.0' });
}

const byName = (p: WirePayload, name: string): WireMetric => {
  const m = p.metrics.find((x) => x.name === name);
  if (!m) throw new Error(`no metric ${name} in ${p.metrics.map((x) => x.name).join(', ')}`);
  return m;
};

describe('Sparkplug B edge node against Mosquitto (payloads read by the spec .proto decoder)', () => {
  it('NBIRTH, DBIRTH per asset, DDATA by exception with seq, rebirth on NCMD, NDEATH on stop; bdSeq goes on across restarts', async () => {
    const dir = tempDir('spb-edge');
    const host = await capture(broker.url, ['spBv1.0/#']);
    const edge = edgeNode(dir);
    // What the alarm and work-order stages knew at start-up goes into the first births.
    edge.alarm({ ruleId: 'bearing-hot', assetId: 'p-1', state: 'normal', active: false, priority: 2, ts: 1000 });
    edge.order({ orderId: 'wo-1', assetId: 'p-1', ruleId: 'pm-500h', state: 'open', ts: 2000 });
    edge.start();
    await waitFor('births', () => (host.of(/\/DBIRTH\//).length === 2 ? true : undefined));

    const [nb] = host.of('spBv1.0/plant-a/NBIRTH/gw-1');
    expect(nb!.qos).toBe(0);
    expect(nb!.retain).toBe(false);
    const nbirth = decodeWire(nb!.payload);
    expect(nbirth.seq).toBe(0);
    expect(nbirth.timestamp).toBeGreaterThan(0);
    expect(byName(nbirth, 'bdSeq')).toMatchObject({ datatype: DataType.UInt64, longValue: 0 });
    expect(byName(nbirth, 'Node Control/Rebirth')).toMatchObject({ datatype: DataType.Boolean, booleanValue: false });
    expect(byName(nbirth, 'Properties/Site')).toMatchObject({ datatype: DataType.String, stringValue: 'plant-a' });
    // Every birth metric has a name, an alias, a datatype and a timestamp (tck-id-payloads-alias-birth-requirement).
    for (const m of nbirth.metrics) expect(m).toMatchObject({ name: expect.any(String), alias: expect.any(Number), datatype: expect.any(Number), timestamp: expect.any(Number) });

    const births = host.of(/\/DBIRTH\//).map((m) => ({ topic: m.topic, p: decodeWire(m.payload), qos: m.qos, retain: m.retain }));
    expect(births.map((b) => b.topic)).toEqual(['spBv1.0/plant-a/DBIRTH/gw-1/p-1', 'spBv1.0/plant-a/DBIRTH/gw-1/f-1']);
    expect(births.map((b) => b.p.seq)).toEqual([1, 2]);
    expect(births.every((b) => b.qos === 0 && !b.retain)).toBe(true);
    const pump = births[0]!.p;
    const temp = byName(pump, 'bearing_temp');
    expect(temp).toMatchObject({ datatype: DataType.Double, isNull: true });
    expect(prop(temp, 'engUnit')).toMatchObject({ type: DataType.String, stringValue: 'degC' });
    expect(prop(temp, 'engLow')).toMatchObject({ type: DataType.Double, doubleValue: -40 });
    expect(prop(temp, 'engHigh')).toMatchObject({ type: DataType.Double, doubleValue: 200 });
    expect(byName(pump, 'Properties/Serial Number').stringValue).toBe('SN-1');
    expect(byName(pump, 'Alarms/bearing-hot/State')).toMatchObject({ datatype: DataType.String, stringValue: 'normal', timestamp: 1000 });
    expect(byName(pump, 'Alarms/bearing-hot/Priority')).toMatchObject({ datatype: DataType.Int32, intValue: 2 });
    expect(byName(pump, 'WorkOrders/Open')).toMatchObject({ datatype: DataType.Int32, intValue: 1 });
    expect(byName(pump, 'WorkOrders/Last Id').stringValue).toBe('wo-1');
    // Aliases are unique across the whole edge node (tck-id-payloads-alias-uniqueness).
    const aliases = [nbirth, ...births.map((b) => b.p)].flatMap((p) => p.metrics.map((m) => m.alias));
    expect(new Set(aliases).size).toBe(aliases.length);

    // Report by exception: 0.3 °C is inside the 0.5 absolute deadband; 0.5 % of 100 mm/s inside 1 %.
    const t0 = Date.now();
    edge.sample(idx('p-1/bearing_temp'), t0, 60, 'Good');
    edge.sample(idx('p-1/bearing_temp'), t0 + 1, 60.3, 'Good');
    edge.sample(idx('p-1/bearing_temp'), t0 + 2, 61, 'Good');
    edge.sample(idx('p-1/vibration'), t0, 2, 'Good');
    edge.sample(idx('p-1/vibration'), t0 + 1, 2.5, 'Good');
    edge.sample(idx('p-1/vibration'), t0 + 2, 3.2, 'Uncertain');
    edge.sample(idx('f-1/speed'), t0, true, 'Good');
    await waitFor('DDATA', () => (host.of(/\/DDATA\//).length >= 2 ? true : undefined));
    const dd = host.of(/\/DDATA\//).map((m) => ({ topic: m.topic, p: decodeWire(m.payload) }));
    expect(dd.map((d) => d.topic)).toEqual(['spBv1.0/plant-a/DDATA/gw-1/p-1', 'spBv1.0/plant-a/DDATA/gw-1/f-1']);
    expect(dd.map((d) => d.p.seq)).toEqual([3, 4]);
    const tempAlias = temp.alias;
    const vibAlias = byName(pump, 'vibration').alias;
    const pm = dd[0]!.p.metrics;
    // DATA metrics carry the alias only, never the name (tck-id-payloads-alias-data-cmd-requirement).
    expect(pm.every((m) => m.name === undefined && typeof m.alias === 'number' && typeof m.timestamp === 'number')).toBe(true);
    expect(pm.map((m) => [m.alias, m.doubleValue, m.timestamp])).toEqual([
      [tempAlias, 60, t0],
      [tempAlias, 61, t0 + 2],
      [vibAlias, 2, t0],
      [vibAlias, 3.2, t0 + 2],
    ]);
    // Not GOOD: the Quality property, an Int32 code (500 STALE stands for Uncertain).
    expect(prop(pm[3]!, 'Quality')).toMatchObject({ type: DataType.Int32, intValue: 500 });
    expect(prop(pm[0]!, 'Quality')).toBeUndefined();
    expect(dd[1]!.p.metrics[0]).toMatchObject({ doubleValue: 1, datatype: DataType.Double });

    // Alarm and work-order state changes are metrics too.
    edge.alarm({ ruleId: 'bearing-hot', assetId: 'p-1', state: 'unacknowledged', active: true, priority: 2, ts: t0 + 3 });
    edge.order({ orderId: 'wo-1', assetId: 'p-1', state: 'completed', ts: t0 + 4 });
    await waitFor('alarm DDATA', () => (host.of(/\/DDATA\//).length >= 3 ? true : undefined));
    const am = host.of(/\/DDATA\//).slice(2).flatMap((m) => decodeWire(m.payload).metrics);
    expect(am).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ alias: byName(pump, 'Alarms/bearing-hot/State').alias, stringValue: 'unacknowledged', timestamp: t0 + 3 }),
        expect.objectContaining({ alias: byName(pump, 'Alarms/bearing-hot/Active').alias, booleanValue: true }),
        expect.objectContaining({ alias: byName(pump, 'WorkOrders/Open').alias, intValue: 0 }),
        expect.objectContaining({ alias: byName(pump, 'WorkOrders/Last State').alias, stringValue: 'completed' }),
      ]),
    );

    // A host asks for a rebirth: NBIRTH again with seq 0 and the same bdSeq, DBIRTHs with the latest values.
    const before = host.messages.length;
    host.client.publish('spBv1.0/plant-a/NCMD/gw-1', Buffer.from(encodeWire({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, booleanValue: true }] })));
    await waitFor('rebirth', () => (host.messages.slice(before).filter((m) => /\/DBIRTH\//.test(m.topic)).length === 2 ? true : undefined));
    const re = host.messages.slice(before).filter((m) => !m.topic.includes('/NCMD/')).map((m) => ({ topic: m.topic, p: decodeWire(m.payload) }));
    expect(re[0]!.topic).toBe('spBv1.0/plant-a/NBIRTH/gw-1');
    expect(re[0]!.p.seq).toBe(0);
    expect(byName(re[0]!.p, 'bdSeq').longValue).toBe(0);
    expect(re.slice(1).map((r) => r.p.seq)).toEqual([1, 2]);
    expect(byName(re[1]!.p, 'bearing_temp')).toMatchObject({ doubleValue: 61, timestamp: t0 + 2 });
    expect(byName(re[1]!.p, 'Alarms/bearing-hot/State').stringValue).toBe('unacknowledged');
    expect(edge.stats().rebirthRequests).toBe(1);

    // seq runs 0-255 and wraps to 0 (tck-id-payloads-sequence-num-incrementing): 300 more DDATA.
    const from = host.messages.length;
    for (let i = 0; i < 300; i++) edge.sample(idx('f-1/speed'), t0 + 10 + i, 100 + i, 'Good'), edge.flush();
    await waitFor('300 DDATA', () => (host.messages.length - from >= 300 ? true : undefined));
    const seqs = host.messages.slice(from).map((m) => decodeWire(m.payload).seq!);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => (3 + i) % 256));

    // A clean stop: NDEATH (QoS 1, no seq, the session's bdSeq), then DISCONNECT.
    await edge.stop();
    await waitFor('NDEATH', () => (host.of('spBv1.0/plant-a/NDEATH/gw-1').length === 1 ? true : undefined));
    const [nd] = host.of('spBv1.0/plant-a/NDEATH/gw-1');
    const ndeath = decodeWire(nd!.payload);
    expect(nd!.retain).toBe(false);
    expect(ndeath.seq).toBeUndefined();
    expect(ndeath.metrics).toEqual([expect.objectContaining({ name: 'bdSeq', datatype: DataType.UInt64, longValue: 0 })]);
    expect(existsSync(join(dir, 'sparkplug-bdseq.json'))).toBe(true);

    // Restarted on the same data dir: the next bdSeq.
    const again = edgeNode(dir);
    const mark = host.messages.length;
    again.start();
    await waitFor('second NBIRTH', () => host.messages.slice(mark).find((m) => m.topic.endsWith('/NBIRTH/gw-1')));
    const nb2 = decodeWire(host.messages.slice(mark).find((m) => m.topic.endsWith('/NBIRTH/gw-1'))!.payload);
    expect(byName(nb2, 'bdSeq').longValue).toBe(1);
    await again.stop();
    await host.close();
  });

  it('a killed edge node: the broker publishes its NDEATH will (QoS 1, bdSeq of the session)', async () => {
    const dir = tempDir('spb-kill');
    const host = await capture(broker.url, ['spBv1.0/plant-a/#']);
    const child = spawnLogged(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/sparkplug-edge-child.ts'), broker.url, dir]);
    await waitFor('child NBIRTH', () => host.of('spBv1.0/plant-a/NBIRTH/gw-kill')[0], 20_000);
    const bd = byName(decodeWire(host.of('spBv1.0/plant-a/NBIRTH/gw-kill')[0]!.payload), 'bdSeq').longValue;
    const killedAt = Date.now();
    await child.stop('SIGKILL');
    const will = await waitFor('NDEATH will', () => host.of('spBv1.0/plant-a/NDEATH/gw-kill')[0], 10_000);
    const p = decodeWire(will.payload);
    expect(will.qos).toBe(1);
    expect(p.seq).toBeUndefined();
    expect(byName(p, 'bdSeq').longValue).toBe(bd);
    // Reported, not asserted: the OS closes a killed process's socket, so the broker needs no keep-alive here.
    console.log(`NDEATH will ${will.at - killedAt} ms after SIGKILL (keep-alive 1 s)`);
    await host.close();
  });
});
