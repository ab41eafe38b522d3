import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { modbusProbeCommand } from '../../gateway/commands/modbus-probe.js';
import { startModbusSimulator, type ModbusSimulator } from '../../simulators/modbus/server.js';
import { freePort } from '../helpers/servers.js';

/** `cbm-gateway modbus probe` against the simulator's test pattern: the right map is in the output. */
describe('modbus probe', () => {
  let sim: ModbusSimulator;
  beforeAll(async () => {
    sim = await startModbusSimulator({ port: await freePort(), frozenAt: 0 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  async function probe(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      const code = await modbusProbeCommand.run(args);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('prints raw registers and every decoding; JSON names the type and order that fit', async () => {
    const text = await probe(['--host', '127.0.0.1', '--port', String(sim.port), '--function', 'holding', '--address', '100', '--count', '12']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^\s+100\s+0x3039\s+12345\s+12345/m);
    expect(text.out).toMatch(/float32 \(starting at\):\s+ABCD\s+CDAB\s+BADC\s+DCBA/);

    const json = await probe(['--host', '127.0.0.1', '--port', String(sim.port), '--address', '100', '--count', '12', '--json']);
    const body = JSON.parse(json.out) as { registers: number[]; decodings: { type: string; rows: { address: number; values: Record<string, number> }[] }[] };
    expect(body.registers.slice(0, 2)).toEqual([12345, 0xfb2e]);
    const at = (type: string, address: number) => body.decodings.find((d) => d.type === type)!.rows.find((r) => r.address === address)!.values;
    expect(at('int16', 101).AB).toBe(-1234);
    expect(at('float32', 102).ABCD).toBe(123.456);
    expect(at('float32', 104).CDAB).toBe(-273.15);
    expect(at('int32', 106).ABCD).toBe(-123456789);
    expect(at('int32', 108).CDAB).toBe(987654321);
    expect(at('uint32', 110).ABCD).toBe(3_000_000_000);
  });

  it('coils print as bits; an exception and a refused connection exit 1 with the coded error', async () => {
    const coils = await probe(['--host', '127.0.0.1', '--port', String(sim.port), '--function', 'coil', '--address', '0', '--count', '2']);
    expect(coils.out).toMatch(/^\s+0\s+1$/m);
    const bad = await probe(['--host', '127.0.0.1', '--port', String(sim.port), '--address', '9999', '--count', '4']);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.err).toMatch(/CBM_ERR_MODBUS_EXCEPTION: exception 02 illegal data address/);
    const refused = await probe(['--host', '127.0.0.1', '--port', String(await freePort()), '--address', '0']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/CBM_ERR_MODBUS_CONNECTION/);
  });
});
