import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Gateway } from '../../gateway/gateway.js';
import type { SiteConfigInput } from '../../src/config/schema.js';
import { startModbusSimulator, type ModbusSimulator } from '../../simulators/modbus/server.js';
import { demoCompressor } from '../../simulators/plant/compressor.js';
import { startGateway, writeSite } from '../helpers/gateway.js';
import { freePort, waitFor } from '../helpers/servers.js';

/**
 * The demo config's Modbus source, unchanged except for the port, reads the simulator: every
 * compressor tag arrives Good with the model's value, so the register map, the simulator and
 * edge-config/demo.yaml agree.
 */
describe('demo.yaml Modbus source against the simulator', () => {
  let sim: ModbusSimulator;
  let gw: Gateway;
  const expected = demoCompressor().read(0);

  beforeAll(async () => {
    sim = await startModbusSimulator({ port: await freePort(), frozenAt: 0 });
    const demo = parse(readFileSync(join(import.meta.dirname, '../../edge-config/demo.yaml'), 'utf8')) as SiteConfigInput;
    const source = demo.sources!.find((s) => s.type === 'modbus')!;
    if (source.type !== 'modbus') throw new Error('no modbus source in demo.yaml');
    source.devices[0]!.port = sim.port;
    source.devices[0]!.pollInterval = '100ms';
    const site = writeSite({ ...demo, gateway: { id: 'gw', dataDir: './data', logLevel: 'silent' }, assets: demo.assets!.filter((a) => a.id === 'c-201'), sources: [source], workOrders: undefined, api: undefined }, []);
    gw = await startGateway(site.file);
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.stop();
  });

  it('reads every compressor tag with the model value', async () => {
    const tags = Object.keys(expected);
    const get = (t: string) => gw.view.latest.get(gw.view.catalog.tag(`c-201/${t}`)!.index);
    await waitFor('all c-201 tags Good', () => tags.every((t) => get(t)?.quality === 'Good') || undefined, 10_000);
    for (const t of tags) {
      const v = get(t)!.value;
      const want = expected[t as keyof typeof expected];
      if (typeof want === 'number' && t !== 'discharge_pressure' && t !== 'discharge_temp' && t !== 'motor_current') expect(v as number, t).toBeCloseTo(want, 9);
      else expect({ t, v }).toEqual({ t, v: want });
    }
  });
});
