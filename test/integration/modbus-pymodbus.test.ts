import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import type { ByteOrder, ModbusPointInput } from '../../src/config/sources/modbus.js';
import { startGateway, writeSite, apiOf } from '../helpers/gateway.js';
import { canConnect, freePort, spawnLogged, tempDir, waitFor, type Spawned } from '../helpers/servers.js';

/**
 * pymodbus (Debian python3-pymodbus) as an independent Modbus TCP device: it encodes every type in
 * every byte/word order with its own BinaryPayloadBuilder; the gateway must read each exactly.
 */
const orders: ByteOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];
const numeric: { type: NonNullable<ModbusPointInput['type']>; value: number; regs: number }[] = [
  { type: 'int16', value: -12345, regs: 1 },
  { type: 'uint16', value: 54321, regs: 1 },
  { type: 'int32', value: -123456789, regs: 2 },
  { type: 'uint32', value: 3_000_000_000, regs: 2 },
  { type: 'int64', value: -1_234_567_890_123_456, regs: 4 },
  { type: 'uint64', value: 9_007_199_254_740_991, regs: 4 },
  { type: 'float32', value: -273.15, regs: 2 },
  { type: 'float64', value: 6.02214076e23, regs: 4 },
];

interface Expect {
  tag: string;
  value: number | boolean | string;
  point: ModbusPointInput;
}

function layout(): { spec: object; expected: Expect[] } {
  const registers: object[] = [];
  const expected: Expect[] = [];
  let addr = 0;
  for (const n of numeric) {
    for (const order of orders) {
      const tag = `${n.type}_${order}`.toLowerCase();
      registers.push({ table: 'hr', address: addr, type: n.type, order, value: n.value });
      expected.push({ tag, value: n.value, point: { tag, function: 'holding', address: addr, type: n.type, order } });
      addr += n.regs;
    }
  }
  for (const order of orders) {
    const tag = `string_${order}`.toLowerCase();
    registers.push({ table: 'hr', address: addr, type: 'string', order, value: 'CBM-7', length: 8 });
    expected.push({ tag, value: 'CBM-7', point: { tag, function: 'holding', address: addr, type: 'string', order, length: 8 } });
    addr += 4;
  }
  // A hole of one register the device does not have: the coalesced read gets exception 02 and
  // falls back to one request per point, so the points on either side still read.
  addr += 1;
  registers.push({ table: 'hr', address: addr, type: 'uint16', value: 7 });
  expected.push({ tag: 'after_hole', value: 7, point: { tag: 'after_hole', function: 'holding', address: addr } });
  // Input registers: a scaled temperature (raw 0.1 °C with −40 offset) and bits of a status word.
  registers.push({ table: 'ir', address: 10, type: 'uint16', value: 1234 });
  expected.push({ tag: 'scaled', value: 83.4, point: { tag: 'scaled', function: 'input', address: 10, type: 'uint16', scale: 0.1, offset: -40 } });
  registers.push({ table: 'ir', address: 11, type: 'uint16', value: 0b1000_0000_0000_0101 });
  for (const [bit, v] of [[0, true], [1, false], [2, true], [15, true]] as const) {
    expected.push({ tag: `status_bit${bit}`, value: v, point: { tag: `status_bit${bit}`, function: 'input', address: 11, type: 'bit', bit } });
  }
  const bits = [
    { table: 'co', address: 0, value: true },
    { table: 'co', address: 1, value: false },
    { table: 'co', address: 7, value: true },
    { table: 'di', address: 3, value: true },
  ];
  for (const b of bits) {
    const fn = b.table === 'co' ? ('coil' as const) : ('discrete' as const);
    expected.push({ tag: `${fn}${b.address}`, value: b.value, point: { tag: `${fn}${b.address}`, function: fn, address: b.address } });
  }
  return { spec: { registers, bits }, expected };
}

describe('Modbus source against pymodbus', () => {
  const { spec, expected } = layout();
  let device: Spawned;
  let gw: Gateway;

  beforeAll(async () => {
    const dir = tempDir('pymodbus');
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const port = await freePort();
    device = spawnLogged('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'pymodbus-device.py'), String(port), specFile]);
    await waitFor('pymodbus to listen', () => canConnect(port), 15_000);
    const tags = [...expected.map((e) => e.tag), 'missing'];
    const site = writeSite(
      {
        gateway: { id: 'gw', dataDir: './data', logLevel: 'silent' },
        site: { id: 's', name: 'S' },
        assets: [{ id: 'dev', name: 'Device', tags: tags.map((id) => ({ id })) }],
        sources: [
          {
            id: 'mb',
            type: 'modbus',
            devices: [
              {
                id: 'pymodbus',
                host: '127.0.0.1',
                port,
                asset: 'dev',
                pollInterval: '200ms',
                timeout: '1s',
                // Address 500 does not exist on the device (sparse block): exception 02.
                points: [...expected.map((e) => e.point), { tag: 'missing', function: 'holding', address: 500 }],
              },
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

  it('reads every type in every byte order exactly', async () => {
    const value = (tag: string) => gw.view.latest.get(gw.view.catalog.tag(`dev/${tag}`)!.index);
    await waitFor('every point to have a Good value', () => expected.every((e) => value(e.tag)?.quality === 'Good') || undefined, 15_000);
    for (const e of expected) {
      const v = value(e.tag)!;
      if (e.tag === 'scaled') expect(v.value as number, e.tag).toBeCloseTo(83.4, 9);
      else expect({ tag: e.tag, value: v.value }).toEqual({ tag: e.tag, value: e.value });
    }
  });

  it('an address the device refuses is Bad with exception 02; its neighbours stay Good', async () => {
    const missing = await waitFor('the missing point to turn Bad', () => {
      const v = gw.view.latest.get(gw.view.catalog.tag('dev/missing')!.index);
      return v?.quality === 'Bad' ? v : undefined;
    });
    expect(missing.reason).toBe('modbus_exception_02_illegal_data_address');
    const res = await apiOf(gw).inject({ method: 'GET', url: '/api/sources' });
    const src = (res.json() as { id: string; state: string; counters: Record<string, number>; devices: { id: string; state: string; detail?: string }[] }[]).find((s) => s.id === 'mb')!;
    expect(src.state).toBe('connected');
    expect(src.devices[0]).toMatchObject({ id: 'pymodbus', state: 'connected' });
    expect(src.devices[0]!.detail).toMatch(/exception 02 illegal data address at holding 500/);
    expect(src.counters.exceptions).toBeGreaterThan(0);
  });
});
