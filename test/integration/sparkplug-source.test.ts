import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { startMosquitto, waitFor } from '../helpers/servers.js';
import { capture, DataType, decodeWire, encodeWire, type WireMetric } from '../helpers/sparkplug.js';

/**
 * The gateway as a Sparkplug host: another edge node (played by this test, its payloads encoded
 * with the specification's .proto through protobufjs, not the gateway's codec) publishes BIRTH
 * and DATA through Mosquitto; the gateway maps them to tags by name and alias.
 */
let broker: Awaited<ReturnType<typeof startMosquitto>>;
let gw: Gateway;
let edge: Awaited<ReturnType<typeof capture>>;

beforeAll(async () => {
  broker = await startMosquitto();
  const { file } = writeSite(
    pumpSite(2, {
      sources: [
        {
          id: 'spb',
          type: 'sparkplug',
          url: broker.url,
          rebirthInterval: 0,
          devices: [
            { group: 'Plant1', node: 'PLC-7', device: 'Pump1', asset: 'p-1', metrics: { 'Bearing/Temperature': 'bearing_temp' } },
            { group: 'Plant1', node: 'PLC-7', device: 'p-2' },
          ],
        },
      ],
      api: { enabled: false },
    }),
    [bearingRule],
  );
  gw = await startGateway(file);
  edge = await capture(broker.url, ['spBv1.0/Plant1/NCMD/PLC-7']);
  await waitFor('source connected', () => (gw.view.sources().find((s) => s.id === 'spb')?.state === 'connected' ? true : undefined));
  // The subscription is made after CONNACK: give it a beat by round-tripping a message through it.
  await waitFor('source subscribed', async () => {
    await edge.client.publishAsync('spBv1.0/Plant1/NDATA/PLC-7', Buffer.from(encodeWire({ timestamp: Date.now(), seq: 200, metrics: [] })), { qos: 1 });
    return gw.view.sources()[0]!.counters.messages! > 0 ? true : undefined;
  });
});

afterAll(async () => {
  await edge?.close();
  await gw?.stop();
  await broker?.stop();
});

const pub = (topic: string, seq: number | undefined, metrics: WireMetric[]) =>
  edge.client.publishAsync(`spBv1.0/Plant1/${topic}`, Buffer.from(encodeWire({ timestamp: Date.now(), ...(seq === undefined ? {} : { seq }), metrics })), { qos: 1 });
const latest = (key: string) => gw.view.latest.get(gw.view.catalog.tag(key)!.index);
const counters = () => gw.view.sources()[0]!.counters;

describe('Sparkplug B source (the gateway as host) against Mosquitto', () => {
  it('BIRTH names bind metrics to tags, DATA by alias becomes samples; DATA before BIRTH, unknown aliases and seq gaps request a rebirth and are counted', async () => {
    // An NDATA before any NBIRTH (the one sent while subscribing) was counted and asked a rebirth.
    await waitFor('rebirth request for the early NDATA', () => (edge.of('spBv1.0/Plant1/NCMD/PLC-7').length >= 1 ? true : undefined));
    const ncmd = decodeWire(edge.of('spBv1.0/Plant1/NCMD/PLC-7')[0]!.payload);
    expect(ncmd.seq).toBeUndefined();
    expect(ncmd.metrics).toEqual([expect.objectContaining({ name: 'Node Control/Rebirth', datatype: DataType.Boolean, booleanValue: true })]);
    expect(counters().dataBeforeBirth).toBeGreaterThanOrEqual(1);

    const t0 = Date.now() - 1000;
    await pub('NBIRTH/PLC-7', 0, [
      { name: 'bdSeq', datatype: DataType.UInt64, longValue: 4, timestamp: t0 },
      { name: 'Node Control/Rebirth', alias: 1, datatype: DataType.Boolean, booleanValue: false, timestamp: t0 },
    ]);
    await pub('DBIRTH/PLC-7/Pump1', 1, [
      { name: 'Bearing/Temperature', alias: 10, datatype: DataType.Float, floatValue: 41.5, timestamp: t0 },
      { name: 'vibration', alias: 11, datatype: DataType.Double, doubleValue: 2.25, timestamp: t0 },
      { name: 'Motor/Current', alias: 12, datatype: DataType.Double, doubleValue: 7, timestamp: t0 },
    ]);
    await waitFor('birth values', () => (latest('p-1/vibration')?.value === 2.25 ? true : undefined));
    expect(latest('p-1/bearing_temp')).toMatchObject({ value: 41.5, ts: t0, quality: 'Good' });
    expect(counters().unmappedMetrics).toBe(1); // Motor/Current: no such tag

    // DDATA by alias only, one metric twice with its own timestamps, one with a STALE quality.
    await pub('DDATA/PLC-7/Pump1', 2, [
      { alias: 10, datatype: DataType.Float, floatValue: 50, timestamp: t0 + 100 },
      { alias: 10, datatype: DataType.Float, floatValue: 85, timestamp: t0 + 200 },
      { alias: 11, datatype: DataType.Double, doubleValue: 3, timestamp: t0 + 200, properties: { keys: ['Quality'], values: [{ type: DataType.Int32, intValue: 500 }] } },
    ]);
    await waitFor('DDATA values', () => (latest('p-1/bearing_temp')?.value === 85 ? true : undefined));
    expect(latest('p-1/bearing_temp')!.ts).toBe(t0 + 200);
    expect(latest('p-1/vibration')).toMatchObject({ value: 3, quality: 'Uncertain' });
    // 85 °C > 80: the rule raised its alarm from Sparkplug data like from any other source.
    await waitFor('alarm raised', () => (gw.view.ingest().alarmsRaised === 1 ? true : undefined));

    // Pump 2 (device id = asset id) sends DDATA before its DBIRTH: dropped, counted, rebirth asked.
    // Counted from here: the early NDATA may have been repeated while the source subscribed.
    const before = counters().dataBeforeBirth!;
    const asked = edge.of('spBv1.0/Plant1/NCMD/PLC-7').length;
    await pub('DDATA/PLC-7/p-2', 3, [{ alias: 20, datatype: DataType.Double, doubleValue: 99, timestamp: t0 + 300 }]);
    await waitFor('second rebirth request', () => (edge.of('spBv1.0/Plant1/NCMD/PLC-7').length > asked ? true : undefined));
    expect(counters().dataBeforeBirth).toBe(before + 1);
    expect(latest('p-2/bearing_temp')).toBeUndefined();

    // Its DBIRTH arrives; then an alias nobody defined, and a seq that skips one.
    await pub('DBIRTH/PLC-7/p-2', 4, [{ name: 'bearing_temp', alias: 20, datatype: DataType.Int32, intValue: 30, timestamp: t0 + 400 }]);
    await waitFor('p-2 born', () => (latest('p-2/bearing_temp')?.value === 30 ? true : undefined));
    await pub('DDATA/PLC-7/p-2', 5, [{ alias: 99, datatype: DataType.Double, doubleValue: 1, timestamp: t0 + 500 }]);
    await pub('DDATA/PLC-7/p-2', 7, [{ alias: 20, datatype: DataType.Int32, intValue: 31, timestamp: t0 + 600 }]);
    await waitFor('p-2 31', () => (latest('p-2/bearing_temp')?.value === 31 ? true : undefined));
    expect(counters()).toMatchObject({ unknownAlias: 1, seqGaps: 1, malformed: 0 });

    // The node dies (its will, same bdSeq): devices go offline in the source status.
    await pub('NDEATH/PLC-7', undefined, [{ name: 'bdSeq', datatype: DataType.UInt64, longValue: 4 }]);
    await waitFor('offline', () => (gw.view.sources()[0]!.devices!.every((d) => d.state === 'disconnected') ? true : undefined));
    // After death, data is not placed until a new birth.
    const dbb = counters().dataBeforeBirth!;
    await pub('DDATA/PLC-7/p-2', 8, [{ alias: 20, datatype: DataType.Int32, intValue: 32, timestamp: t0 + 700 }]);
    await waitFor('counted after death', () => (counters().dataBeforeBirth === dbb + 1 ? true : undefined));
    expect(latest('p-2/bearing_temp')!.value).toBe(31);
  });
});
