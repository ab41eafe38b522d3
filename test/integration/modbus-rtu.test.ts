import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { startGateway, writeSite, apiOf } from '../helpers/gateway.js';
import { spawnLogged, tempDir, waitFor, type Spawned } from '../helpers/servers.js';

/**
 * Modbus RTU over a serial line: pymodbus serves RTU frames on one end of a pseudo-terminal pair,
 * the gateway opens the other end through modbus-serial's serialport. Two units share the line
 * (one link, requests serialised), as meters on an RS-485 bus do. Ptys refuse parity, so 8N1.
 */
describe('Modbus RTU against pymodbus on a serial line', () => {
  let device: Spawned;
  let gw: Gateway;

  beforeAll(async () => {
    const dir = tempDir('mb-rtu');
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ registers: [{ table: 'hr', address: 0, type: 'float32', order: 'CDAB', value: 230.5 }, { table: 'ir', address: 4, type: 'uint32', order: 'CDAB', value: 1234567 }], bits: [{ table: 'co', address: 0, value: true }] }));
    device = spawnLogged('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'pymodbus-device.py'), 'rtu', spec]);
    const path = await waitFor('the pty path', () => /^rtu (\S+)/m.exec(device.output())?.[1], 15_000);
    const serial = { path, baudRate: 19200, parity: 'none' as const };
    const site = writeSite(
      {
        gateway: { id: 'gw', dataDir: './data', logLevel: 'silent' },
        site: { id: 's', name: 'S' },
        assets: [{ id: 'mcc-1', name: 'MCC 1', tags: [{ id: 'voltage' }, { id: 'energy' }, { id: 'breaker_closed' }] }],
        sources: [
          {
            id: 'rs485',
            type: 'modbus',
            devices: [
              { id: 'meter-1', transport: 'rtu', serial, unitId: 1, asset: 'mcc-1', pollInterval: '100ms', timeout: '500ms', points: [{ tag: 'voltage', function: 'holding', address: 0, type: 'float32', order: 'CDAB' }, { tag: 'energy', function: 'input', address: 4, type: 'uint32', order: 'CDAB', scale: 0.01 }] },
              { id: 'relay-2', transport: 'rtu', serial, unitId: 2, asset: 'mcc-1', pollInterval: '100ms', timeout: '500ms', points: [{ tag: 'breaker_closed', function: 'coil', address: 0 }] },
            ],
          },
        ],
      },
      [],
    );
    gw = await startGateway(site.file);
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    await device?.stop();
  });

  it('reads both units over one serial link', async () => {
    const get = (t: string) => gw.view.latest.get(gw.view.catalog.tag(`mcc-1/${t}`)!.index);
    await waitFor('all tags Good', () => ['voltage', 'energy', 'breaker_closed'].every((t) => get(t)?.quality === 'Good') || undefined, 15_000);
    expect(get('voltage')!.value).toBe(230.5);
    expect(get('energy')!.value).toBeCloseTo(12345.67, 9);
    expect(get('breaker_closed')!.value).toBe(true);
    const res = await apiOf(gw).inject({ method: 'GET', url: '/api/sources' });
    const src = (res.json() as { id: string; state: string; devices: { id: string; state: string }[] }[]).find((s) => s.id === 'rs485')!;
    expect(src.devices.map((d) => [d.id, d.state])).toEqual([['meter-1', 'connected'], ['relay-2', 'connected']]);
  });
});
