import { describe, expect, it } from 'vitest';
import { modbusSource } from '../../../../src/config/sources/modbus.js';
import { planDevice } from '../../../../src/sources/modbus/plan.js';

const issues = (input: unknown) => {
  const r = modbusSource.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('modbus source config', () => {
  it('applies Kepware-like defaults: port 502, unit 1, 1 s poll and timeout, ABCD, coalescing 125/2000 with gap 16', () => {
    const cfg = modbusSource.parse({ id: 'm', type: 'modbus', devices: [{ id: 'd', host: 'plc', asset: 'a', points: [{ tag: 't', function: 'holding', address: 0 }] }] });
    expect(cfg.devices[0]).toMatchObject({ transport: 'tcp', port: 502, unitId: 1, pollInterval: 1000, timeout: 1000, retries: 2, order: 'ABCD', addressBase: 0 });
    expect(cfg.devices[0]!.coalesce).toEqual({ enabled: true, maxGap: 16, maxRegisters: 125, maxBits: 2000 });
  });

  it('names the path and what was expected, every problem at once', () => {
    expect(
      issues({
        id: 'm',
        type: 'modbus',
        devices: [
          {
            id: 'd',
            transport: 'rtu',
            points: [
              { tag: 't', function: 'coil', address: 0, type: 'float32' },
              { tag: 'u', function: 'holding', address: 1, type: 'bit' },
              { tag: 'v', function: 'holding', address: 2, type: 'string', order: 'XYZW' },
              { tag: 'w', function: 'holdings', address: -1 },
            ],
          },
        ],
      }),
    ).toEqual([
      'devices.0.points.0.type: expected type bool for function coil (coils and discrete inputs are single bits)',
      'devices.0.points.1.bit: expected `bit: 0-15` for type bit',
      'devices.0.points.2.order: expected order ABCD | CDAB | BADC | DCBA',
      'devices.0.points.3.function: expected function coil | discrete | holding | input',
      'devices.0.points.3.address: expected an address >= 0',
    ]);
    const second = issues({ id: 'm', type: 'modbus', devices: [{ id: 'd', transport: 'rtu', points: [{ tag: 't', function: 'coil', address: 0, type: 'float32' }, { tag: 'u', function: 'holding', address: 1, type: 'bit' }, { tag: 'v', function: 'holding', address: 2, type: 'string' }] }] });
    expect(second).toEqual([
      'devices.0.points.0.type: expected type bool for function coil (coils and discrete inputs are single bits)',
      'devices.0.points.1.bit: expected `bit: 0-15` for type bit',
      'devices.0.points.2.length: expected `length` (characters) for type string',
      'devices.0.serial: expected `serial: { path, baudRate, parity }` for transport rtu',
      'devices.0.points.0.asset: expected `asset` on the point, its group or the device',
      'devices.0.points.1.asset: expected `asset` on the point, its group or the device',
      'devices.0.points.2.asset: expected `asset` on the point, its group or the device',
    ]);
  });

  it('refuses two points feeding one tag', () => {
    const point = { tag: 't', function: 'holding', address: 0 };
    expect(issues({ id: 'm', type: 'modbus', devices: [{ id: 'd', host: 'h', asset: 'a', points: [point] }, { id: 'e', host: 'h', points: [{ ...point, asset: 'a' }] }] })).toEqual([
      'devices.1.points.0.tag: tag "a/t" is already read by devices.0.points.0.tag',
    ]);
  });

  it('plans groups with their own intervals and 1-based addresses', () => {
    const cfg = modbusSource.parse({
      id: 'm',
      type: 'modbus',
      devices: [
        {
          id: 'd',
          host: 'plc',
          asset: 'a',
          addressBase: 1,
          points: [{ tag: 't', function: 'holding', address: 1, type: 'float32' }],
          groups: [{ id: 'fast', pollInterval: '100ms', asset: 'b', points: [{ tag: 'u', function: 'input', address: 10 }] }],
        },
      ],
    });
    const groups = planDevice(cfg.devices[0]!);
    expect(groups.map((g) => [g.id, g.interval, g.blocks.map((b) => `${b.fn}:${b.start}+${b.count}`), g.points.map((p) => p.key)])).toEqual([
      ['default', 1000, ['holding:0+2'], ['a/t']],
      ['fast', 100, ['input:9+1'], ['b/u']],
    ]);
  });
});
