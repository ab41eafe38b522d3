import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { startGateway, writeSite } from '../helpers/gateway.js';
import { opcuaPki } from '../helpers/opcua.js';
import { canConnect, freePort, spawnLogged, tempDir, waitFor, type Spawned } from '../helpers/servers.js';
import { cmmsOrders, health, metrics } from './harness.js';

const VIB = 'ns=2;s=DemoPlant.Utilities.CoolingWater.P-101.vibration';

/**
 * Fault: a Modbus device (pymodbus) vanishes and comes back with a new value, and the OPC UA
 * server restarts, while one gateway reads both. /api/health names each source while it is down
 * (degraded), /metrics shows it disconnected, the points turn Bad with a reason; each source
 * recovers by itself, and the value the device brings back makes its work order.
 */
describe('fault: devices vanish and return', () => {
  const dir = tempDir('fault-devices');
  const rx = new WebhookReceiver();
  let mbPort: number;
  let opcPort: number;
  let device: Spawned | undefined;
  let sim: OpcuaSim;
  let gw: Gateway;

  async function startDevice(pressure: number): Promise<Spawned> {
    const spec = join(dir, `spec-${pressure}.json`);
    writeFileSync(spec, JSON.stringify({ registers: [{ table: 'hr', address: 0, type: 'float32', order: 'ABCD', value: pressure }] }));
    const d = spawnLogged('/usr/bin/python3', [join(import.meta.dirname, '..', 'integration', 'fixtures', 'pymodbus-device.py'), String(mbPort), spec]);
    await waitFor('pymodbus to listen', () => canConnect(mbPort), 15_000, 20);
    return d;
  }
  const startSim = () => startOpcuaSimulator({ port: opcPort, pkiDir: opcuaPki('server-fault-devices'), interval: 100 });

  beforeAll(async () => {
    [mbPort, opcPort] = [await freePort(), await freePort()];
    [device, sim] = await Promise.all([startDevice(5), startSim()]);
    await rx.start();
    const site = writeSite(
      {
        gateway: { id: 'gw', dataDir: './data', logLevel: 'silent' },
        site: { id: 's', name: 'S' },
        assets: [
          { id: 'c-1', name: 'Compressor', class: 'compressor', tags: [{ id: 'pressure', unit: 'bar' }] },
          { id: 'p-101', name: 'Pump', tags: [{ id: 'vibration', unit: 'mm/s' }] },
        ],
        sources: [
          { id: 'mb', type: 'modbus', devices: [{ id: 'plc', host: '127.0.0.1', port: mbPort, asset: 'c-1', pollInterval: '100ms', timeout: '300ms', retries: 0, reconnect: { initialDelay: '100ms', maxDelay: '500ms' }, points: [{ tag: 'pressure', function: 'holding', address: 0, type: 'float32' }] }] },
          { id: 'plc-ua', type: 'opcua', endpoint: sim.endpoint, pkiDir: opcuaPki('client-fault-devices'), reconnect: { initialDelay: '250ms', maxDelay: '1s' }, defaults: { samplingInterval: '100ms', publishingInterval: '200ms' }, items: [{ asset: 'p-101', tag: 'vibration', nodeId: VIB }] },
        ],
        workOrders: cmmsOrders(rx.url),
      },
      [{ id: 'overpressure', name: 'Overpressure', selector: { class: 'compressor' }, priority: 1, conditions: { all: [{ fact: 'pressure', operator: 'greaterThan', value: 10 }] }, workOrder: { title: 'Overpressure on {{asset.name}}' } }],
    );
    gw = await startGateway(site.file);
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await Promise.all([device?.stop(), sim?.stop(), rx.stop()]);
  });

  const latest = (key: string) => gw.view.latest.get(gw.view.catalog.tag(key)!.index);
  const fresh = async (key: string) => {
    const since = Date.now();
    await waitFor(`a fresh Good ${key}`, () => (latest(key)?.quality === 'Good' && latest(key)!.ts >= since - 50) || undefined, 45_000);
  };

  it('names each source while it is down, and each recovers by itself', async () => {
    await waitFor('both sources up', async () => ((await health(gw)).status === 'ok' && latest('c-1/pressure')?.value === 5 && latest('p-101/vibration')?.quality === 'Good') || undefined, 45_000);

    // The Modbus device vanishes.
    await device!.stop('SIGKILL');
    const mbDown = await waitFor('Modbus down in health', async () => {
      const h = await health(gw);
      return h.reasons.includes('source mb reconnecting') ? h : undefined;
    }, 10_000);
    expect(mbDown.status).toBe('degraded');
    expect((await metrics(gw)).get('cbm_source_connected{source="mb",type="modbus"}')).toBe(0);
    expect(latest('c-1/pressure')).toMatchObject({ quality: 'Bad', reason: expect.stringMatching(/^modbus_(disconnected|timeout)$/) });

    // …and the OPC UA server restarts meanwhile.
    await sim.stop();
    await waitFor('OPC UA down in health', async () => ((await health(gw)).reasons.some((r) => r.startsWith('source plc-ua ')) ? true : undefined), 15_000);
    expect((await metrics(gw)).get('cbm_source_connected{source="plc-ua",type="opcua"}')).toBe(0);

    sim = await startSim();
    device = await startDevice(12.5); // back, now reading above the limit
    await fresh('p-101/vibration');
    await waitFor('the device value back', () => latest('c-1/pressure')?.value === 12.5 || undefined, 15_000);
    await waitFor('health ok again', async () => ((await health(gw)).status === 'ok' ? true : undefined), 15_000);
    const m = await metrics(gw);
    expect([m.get('cbm_source_connected{source="mb",type="modbus"}'), m.get('cbm_source_connected{source="plc-ua",type="opcua"}')]).toEqual([1, 1]);
    await waitFor('the order the returning value made, delivered', () => rx.orders.size === 1 || undefined, 10_000);
    expect(gw.view.outbox.counts()).toMatchObject({ delivered: 1, pending: 0 });
  });
});
