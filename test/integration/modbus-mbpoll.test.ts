import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCompressor } from '../../simulators/plant/compressor.js';
import { startModbusSimulator, type ModbusSimulator } from '../../simulators/modbus/server.js';
import { freePort } from '../helpers/servers.js';

/**
 * mbpoll (Debian), an independent Modbus master, reads our simulator and gets the values the
 * register map documents. mbpoll counts references from 1, so PDU address n is reference n+1;
 * `-B` selects big-endian word order (ABCD), without it 32-bit values are read word-swapped (CDAB).
 * The simulator runs in this process, so mbpoll must run asynchronously (spawnSync would block it).
 */
const run = promisify(execFile);

async function mbpollRaw(port: number, args: string[]): Promise<string> {
  try {
    return (await run('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '1', '-1', '-o', '2', ...args, '127.0.0.1'])).stdout;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return `${x.stdout ?? ''}${x.stderr ?? ''}`;
  }
}

async function mbpoll(port: number, args: string[]): Promise<Map<number, string>> {
  const r = { stdout: await mbpollRaw(port, args) };
  const out = new Map<number, string>();
  for (const m of r.stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) out.set(Number(m[1]), m[2]!);
  return out;
}

describe('mbpoll reads the Modbus simulator', () => {
  let sim: ModbusSimulator;
  // Frozen model time: the live signals hold the compressor's first reading, for exact comparison.
  const c = demoCompressor().read(0);

  beforeAll(async () => {
    sim = await startModbusSimulator({ port: await freePort(), frozenAt: 0 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('test pattern: 16-bit, 32-bit ints and float32 in both word orders', async () => {
    expect(await mbpoll(sim.port, ['-t', '4', '-r', '101', '-c', '1'])).toEqual(new Map([[101, '12345']]));
    expect((await mbpoll(sim.port, ['-t', '4:float', '-B', '-r', '103', '-c', '1'])).get(103)).toBe('123.456');
    expect((await mbpoll(sim.port, ['-t', '4:float', '-r', '105', '-c', '1'])).get(105)).toBe('-273.15');
    expect((await mbpoll(sim.port, ['-t', '4:int', '-B', '-r', '107', '-c', '1'])).get(107)).toBe('-123456789');
    expect((await mbpoll(sim.port, ['-t', '4:int', '-r', '109', '-c', '1'])).get(109)).toBe('987654321');
    expect(await mbpoll(sim.port, ['-t', '4:hex', '-r', '117', '-c', '2'])).toEqual(new Map([[117, '0x4342'], [118, '0x4D2D']])); // "CB", "M-"
  });

  it('live compressor signals: float32 ABCD and CDAB, scaled uint16, coils', async () => {
    const f = async (ref: number, bigEndian: boolean) => Number((await mbpoll(sim.port, ['-t', '4:float', ...(bigEndian ? ['-B'] : []), '-r', String(ref), '-c', '1'])).get(ref));
    // mbpoll prints floats with 6 significant digits.
    expect(await f(1, true)).toBeCloseTo(c.discharge_pressure, 2);
    expect(await f(3, false)).toBeCloseTo(c.discharge_temp, 2);
    expect(await f(5, true)).toBeCloseTo(c.motor_current, 2);
    expect(Number((await mbpoll(sim.port, ['-t', '4', '-r', '7', '-c', '1'])).get(7))).toBe(Math.round(c.vibration * 100));
    expect(await mbpoll(sim.port, ['-t', '0', '-r', '1', '-c', '2'])).toEqual(new Map([[1, '1'], [2, c.loaded ? '1' : '0']]));
  });

  it('an address outside the map is refused with exception 02', async () => {
    expect(await mbpollRaw(sim.port, ['-r', '20001', '-c', '1'])).toMatch(/Illegal data address/);
  });
});
