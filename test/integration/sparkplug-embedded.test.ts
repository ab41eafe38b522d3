import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { freePort, waitFor } from '../helpers/servers.js';
import { DataType, encodeWire } from '../helpers/sparkplug.js';

let gw: Gateway | undefined;
afterAll(async () => gw?.stop());

describe('Sparkplug B source through the embedded broker', () => {
  it('an edge node publishing to the gateway itself: BIRTH and DATA become samples', async () => {
    const port = await freePort();
    const { file } = writeSite(
      pumpSite(1, {
        sources: [
          { id: 'sensors', type: 'mqtt', broker: { enabled: true, port, allowAnonymous: true }, topics: [{ topic: 'sensors/{asset}/{tag}' }] },
          { id: 'spb', type: 'sparkplug', url: `mqtt://127.0.0.1:${port}`, devices: [{ node: 'edge-1', device: 'p-1' }] },
        ],
        api: { enabled: false },
      }),
      [],
    );
    gw = await startGateway(file);
    await waitFor('sparkplug source connected', () => (gw!.view.sources().find((s) => s.id === 'spb')?.state === 'connected' ? true : undefined));
    const edge = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'edge-1' });
    await waitFor('edge connected', () => (edge.connected ? true : undefined));
    const pub = (topic: string, seq: number, metrics: object[]) => edge.publishAsync(`spBv1.0/G/${topic}`, Buffer.from(encodeWire({ timestamp: Date.now(), seq, metrics })), { qos: 1 });
    const index = gw.view.catalog.tag('p-1/vibration')!.index;
    const t0 = Date.now(); // sample times near the gateway clock (farther off they are refused)
    // The source subscribes after its CONNACK: repeat the births until they are heard.
    await waitFor('births heard', async () => {
      await pub('NBIRTH/edge-1', 0, [{ name: 'bdSeq', datatype: DataType.UInt64, longValue: 0, timestamp: 1 }]);
      await pub('DBIRTH/edge-1/p-1', 1, [{ name: 'vibration', alias: 3, datatype: DataType.Double, doubleValue: 4.5, timestamp: t0 + 1000 }]);
      return gw!.view.latest.get(index)?.value === 4.5 ? true : undefined;
    });
    await pub('DDATA/edge-1/p-1', 2, [{ alias: 3, datatype: DataType.Double, doubleValue: 5.5, timestamp: t0 + 2000 }]);
    await waitFor('DDATA sample', () => (gw!.view.latest.get(index)?.value === 5.5 ? true : undefined));
    expect(gw.view.latest.get(index)!.ts).toBe(t0 + 2000);
    expect(gw.view.sources()[1]!.counters).toMatchObject({ malformed: 0, unknownAlias: 0 });
    await edge.endAsync();
  });
});
