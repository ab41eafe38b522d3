import { byteOrders, modbusFunctions, type ModbusFunction, type ModbusType } from '../../src/config/sources/modbus.js';
import { decodeRegisters, registerCount } from '../../src/sources/modbus/decode.js';
import { describeTarget, ModbusLink, type LinkTarget, type ReadResult } from '../../src/sources/modbus/link.js';
import { defineCommand, UsageError } from './command.js';
import { jsonOption } from './options.js';
import { reportError } from './report.js';

const numericTypes: ModbusType[] = ['int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'];

function num(v: string | undefined, name: string, min: number, max: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} expects an integer ${min}-${max}, got ${v ?? 'nothing'}`);
  return n;
}

/** Every decoding of the registers read: for each numeric type, every start address × the four orders. */
export function decodings(registers: Buffer, start: number): { type: ModbusType; rows: { address: number; values: Record<string, number> }[] }[] {
  const count = registers.length / 2;
  return numericTypes.map((type) => {
    const width = registerCount(type);
    const rows = [];
    for (let i = 0; i + width <= count; i++) {
      const values: Record<string, number> = {};
      // A one-register value only has two distinct orders: as sent, and byte-swapped.
      for (const order of width === 1 ? (['ABCD', 'BADC'] as const) : byteOrders) values[width === 1 ? order.slice(0, 2) : order] = decodeRegisters(registers, i * 2, { type, order }) as number;
      rows.push({ address: start + i, values });
    }
    return { type, rows };
  });
}

function ascii(registers: Buffer, swap: boolean): string {
  let s = '';
  for (let i = 0; i < registers.length; i++) {
    const c = registers[swap ? i ^ 1 : i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 2 ** 64) return String(v);
  return (a >= 1e-4 && a < 1e15) || a === 0 || !Number.isFinite(v) ? String(Number(v.toPrecision(9))) : v.toExponential(6);
}

function render(target: string, unit: number, fn: ModbusFunction, address: number, res: ReadResult, ms: number): string {
  const lines = [`${target} unit ${unit}: ${fn} ${address}..${address + (res.bits?.length ?? res.registers!.length / 2) - 1} in ${ms} ms`, ''];
  if (res.bits) {
    res.bits.forEach((b, i) => lines.push(`${String(address + i).padStart(7)}  ${b ? 1 : 0}`));
    return lines.join('\n');
  }
  const regs = res.registers!;
  lines.push('address     hex  uint16   int16  bits (15..0)');
  for (let i = 0; i < regs.length / 2; i++) {
    const u = regs.readUInt16BE(i * 2);
    lines.push(`${String(address + i).padStart(7)}  0x${u.toString(16).toUpperCase().padStart(4, '0')}  ${String(u).padStart(6)}  ${String(regs.readInt16BE(i * 2)).padStart(6)}  ${u.toString(2).padStart(16, '0').replace(/(\d{4})(?=\d)/g, '$1 ')}`);
  }
  lines.push('', `ASCII, high byte first (ABCD/CDAB): "${ascii(regs, false)}"`, `ASCII, low byte first  (BADC/DCBA): "${ascii(regs, true)}"`);
  for (const { type, rows } of decodings(regs, address)) {
    if (rows.length === 0) continue;
    const cols = Object.keys(rows[0]!.values);
    lines.push('', `${type} (starting at):`.padEnd(22) + cols.map((c) => c.padStart(24)).join(''));
    for (const r of rows) lines.push(`${String(r.address).padStart(7)}`.padEnd(22) + cols.map((c) => fmt(r.values[c]!).padStart(24)).join(''));
  }
  return lines.join('\n');
}

export const modbusProbeCommand = defineCommand({
  words: ['modbus', 'probe'],
  usage: 'modbus probe (--host HOST | --serial PATH) --address A [--function F] [--count N] [options]',
  summary: 'read once; print raw registers and every type × byte order',
  options: {
    host: { type: 'string', value: 'HOST', description: 'Modbus TCP device or gateway' },
    port: { type: 'string', default: '502', value: 'PORT', description: 'Modbus TCP port' },
    serial: { type: 'string', value: 'PATH', description: 'Modbus RTU serial port instead of TCP, e.g. /dev/ttyUSB0' },
    baud: { type: 'string', default: '9600', value: 'BAUD', description: 'RTU baud rate' },
    parity: { type: 'string', default: 'even', value: 'PARITY', description: 'RTU parity: none | even | odd; 8 data bits, 1 stop bit' },
    unit: { type: 'string', default: '1', value: 'ID', description: 'unit (slave) id, 0-255' },
    function: { type: 'string', default: 'holding', value: 'F', description: `what to read: ${modbusFunctions.join(' | ')}` },
    address: { type: 'string', value: 'A', description: 'first address, 0-based as on the wire (0-65535)' },
    count: { type: 'string', default: '10', value: 'N', description: 'registers (1-125) or bits (1-2000) to read' },
    timeout: { type: 'string', default: '2000', value: 'MS', description: 'connect and response timeout in milliseconds' },
    json: { ...jsonOption, description: 'print registers and decodings as JSON' },
  },
  async run({ values: v }) {
    const fn = v.function as ModbusFunction;
    if (!modbusFunctions.includes(fn)) throw new UsageError(`--function expects ${modbusFunctions.join(' | ')}, got ${v.function}`);
    const bits = fn === 'coil' || fn === 'discrete';
    const address = num(v.address, 'address', 0, 65535);
    // Modbus Application Protocol v1.1b3 §6.1-6.4: at most 2000 bits or 125 registers per read.
    const count = num(v.count, 'count', 1, bits ? 2000 : 125);
    const unit = num(v.unit, 'unit', 0, 255);
    const timeout = num(v.timeout, 'timeout', 1, 600_000);
    if (!v.host && !v.serial) throw new UsageError('modbus probe needs --host (Modbus TCP) or --serial PATH (RTU)');
    const parity = v.parity as 'none' | 'even' | 'odd';
    if (!['none', 'even', 'odd'].includes(parity)) throw new UsageError(`--parity expects none | even | odd, got ${v.parity}`);
    const target: LinkTarget = v.serial
      ? { transport: 'rtu', path: v.serial, baudRate: num(v.baud, 'baud', 300, 921_600), parity, dataBits: 8, stopBits: 1 }
      : { transport: 'tcp', host: v.host!, port: num(v.port, 'port', 1, 65535) };
    const link = new ModbusLink(target);
    try {
      await link.connect(timeout);
      const t0 = performance.now();
      const res = await link.read(unit, fn, address, count, timeout);
      const ms = Math.round(performance.now() - t0);
      if (v.json) {
        const body = res.bits
          ? { target: describeTarget(target), unit, function: fn, address, bits: res.bits.slice(0, count) }
          : { target: describeTarget(target), unit, function: fn, address, registers: Array.from({ length: count }, (_, i) => res.registers!.readUInt16BE(i * 2)), decodings: decodings(res.registers!, address) };
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      } else {
        process.stdout.write(`${render(describeTarget(target), unit, fn, address, res.bits ? { bits: res.bits.slice(0, count) } : res, ms)}\n`);
      }
      return 0;
    } catch (e) {
      reportError(e);
      return 1;
    } finally {
      link.drop();
    }
  },
});
