import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import type { ModbusPointInput } from '../../src/config/sources/modbus.js';
import type { Logger } from '../../src/core/logger.js';
import { apiOf, startGateway, writeSite } from '../helpers/gateway.js';
import { canConnect, freePort, spawnLogged, tempDir, waitFor, type Spawned } from '../helpers/servers.js';

/**
 * Issue 18: Modbus answers with a wrong length, a wrong byte count, another function's answer or
 * an exception code, from pymodbus (its response_manipulator builds the broken frames, see the
 * fixture's faultFile). Each is counted, logged once per request and reason, and makes that
 * request's points Bad with a reason, while the device stays connected, its other requests and
 * another device go on, and the points turn Good again by themselves when the answers are right.
 */
describe('Modbus answers that are wrong', () => {
  const dir = tempDir('mb-bad');
  const faultFile = join(dir, 'fault');
  const lines: { msg: string; obj: Record<string, unknown> }[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (obj, msg) => void lines.push({ msg: msg ?? '', obj: obj as Record<string, unknown> }),
    error: (obj, msg) => void lines.push({ msg: msg ?? '', obj: obj as Record<string, unknown> }),
    child: () => log,
  };
  let broken: Spawned;
  let healthy: Spawned;
  let gw: Gateway;

  async function device(name: string, spec: object): Promise<{ d: Spawned; port: number }> {
    const port = await freePort();
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(spec));
    const d = spawnLogged('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'pymodbus-device.py'), String(port), file]);
    await waitFor(`pymodbus ${name} to listen`, () => canConnect(port), 15_000);
    return { d, port };
  }

  beforeAll(async () => {
    writeFileSync(faultFile, '');
    const b = await device('broken', { registers: [{ table: 'hr', address: 0, type: 'uint16', value: 7 }, { table: 'hr', address: 1, type: 'uint16', value: 8 }], bits: [{ table: 'co', address: 0, value: true }], faultFile });
    const h = await device('healthy', { registers: [{ table: 'hr', address: 0, type: 'uint16', value: 42 }] });
    broken = b.d;
    healthy = h.d;
    const dev = (id: string, port: number, asset: string, points: ModbusPointInput[]) => ({ id, host: '127.0.0.1', port, asset, pollInterval: '100ms', timeout: '300ms', retries: 1, reconnect: { initialDelay: '100ms', maxDelay: '500ms' }, points });
    const site = writeSite(
      {
        gateway: { id: 'gw', dataDir: './data', logLevel: 'silent' },
        site: { id: 's', name: 'S' },
        assets: [
          { id: 'a', name: 'A', tags: [{ id: 'level' }, { id: 'flow' }, { id: 'running' }] },
          { id: 'b', name: 'B', tags: [{ id: 'level' }] },
        ],
        sources: [
          {
            id: 'mb',
            type: 'modbus',
            devices: [
              dev('broken', b.port, 'a', [
                { tag: 'level', function: 'holding', address: 0 },
                { tag: 'flow', function: 'holding', address: 1 },
                { tag: 'running', function: 'coil', address: 0 },
              ]),
              dev('healthy', h.port, 'b', [{ tag: 'level', function: 'holding', address: 0 }]),
            ],
          },
        ],
      },
      [],
    );
    gw = await startGateway(site.file, { log });
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    await Promise.all([broken?.stop(), healthy?.stop()]);
  });

  const latest = (key: string) => gw.view.latest.get(gw.view.catalog.tag(key)!.index);
  const devices = async () => (await apiOf(gw).inject('/api/sources')).json<{ id: string; devices: { id: string; state: string; detail?: string; counters: Record<string, number> }[] }[]>()[0]!.devices;

  it('counts each kind, logs it once, marks only its points Bad, and recovers by itself', async () => {
    await waitFor('every point Good', () => ['a/level', 'a/flow', 'a/running', 'b/level'].every((k) => latest(k)?.quality === 'Good') || undefined, 15_000);
    expect(latest('a/level')?.value).toBe(7);
    const cases: [fault: string, reason: string, counter: string][] = [
      ['short', 'modbus_bad_response', 'badResponses'],
      ['long', 'modbus_bad_response', 'badResponses'],
      ['count', 'modbus_bad_response', 'badResponses'],
      ['function', 'modbus_bad_response', 'badResponses'],
      ['exception:04', 'modbus_exception_04_server_device_failure', 'exceptions'],
    ];
    for (const [fault, reason, counter] of cases) {
      const before = (await devices()).find((d) => d.id === 'broken')!.counters;
      writeFileSync(faultFile, fault);
      await waitFor(`${fault}: points Bad`, () => ['a/level', 'a/flow', 'a/running'].every((k) => latest(k)?.quality === 'Bad' && latest(k)?.reason === reason) || undefined, 10_000);
      const ds = await devices();
      const d = ds.find((x) => x.id === 'broken')!;
      expect(d.state, fault).toBe('connected'); // not taken for a lost connection
      expect(d.detail, fault).toMatch(fault.startsWith('exception') ? /exception 04 server device failure at holding 0\+2/ : /malformed response.* at holding 0\+2/);
      expect(d.counters[counter]! - before[counter]!, fault).toBeGreaterThan(0);
      expect(d.counters.disconnects, fault).toBe(before.disconnects);
      // The other device goes on.
      const ts = latest('b/level')!.ts;
      await waitFor(`${fault}: the healthy device still polled`, () => (latest('b/level')!.ts > ts && latest('b/level')!.quality === 'Good') || undefined, 5_000);
      writeFileSync(faultFile, '');
      await waitFor(`${fault}: points Good again`, () => ['a/level', 'a/flow', 'a/running'].every((k) => latest(k)?.quality === 'Good') || undefined, 10_000);
    }
    // Logged once per request and reason (the register and the coil request: two lines at most per reason).
    const said = lines.filter((l) => l.msg.startsWith('modbus '));
    expect(said.length).toBeGreaterThanOrEqual(2);
    expect(said.length).toBeLessThanOrEqual(4);
    expect(said.map((l) => l.obj)).toContainEqual(expect.objectContaining({ device: 'broken', request: 'holding 0+2', tags: ['a/level', 'a/flow'] }));
  });
});
