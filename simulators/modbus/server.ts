import modbusSerial from 'modbus-serial';
import { DEVICE_ORIGIN, demoCompressor } from '../plant/compressor.js';
import { demoPlant, type DeviceReader } from '../plant/model.js';
import { BENCH_START, COIL_SIZE, DISCRETE_SIZE, HOLDING_SIZE, INPUT_SIZE, registerMap, type SimRegister } from './register-map.js';

/**
 * A Modbus TCP device serving the demo plant (modbus-serial's ServerTCP): a register image
 * refreshed from the plant model every `updateMs`, laid out as `register-map.ts` documents.
 * The value encoding here is written independently of the gateway's decoder on purpose.
 */
export interface SimulatorOptions {
  host?: string;
  port: number;
  updateMs?: number;
  /** Fixed model time in seconds (tests); otherwise seconds since start. */
  frozenAt?: number;
  /** Plant time (ms since the epoch) from a simulated clock: the device then follows the plant's accelerated time. */
  now?: () => number;
}

export interface ModbusSimulator {
  port: number;
  holding: Uint16Array;
  stop: () => Promise<void>;
}

/** Modbus Application Protocol v1.1b3 §7: exception 02, the address is not on this device. */
function illegalAddress(): Error & { modbusErrorCode: number } {
  return Object.assign(new Error('illegal data address'), { modbusErrorCode: 0x02 });
}

/** Writes `value` into `regs` at `address` the way a device with this type and word order holds it. */
export function encode(regs: Uint16Array, r: SimRegister, value: number | string): void {
  const b = Buffer.alloc(8);
  let words = 1;
  switch (r.type) {
    case 'string': {
      const s = Buffer.alloc(r.length ?? 0);
      s.write(String(value), 'latin1');
      for (let i = 0; i < s.length; i += 2) regs[r.address + i / 2] = (s[i]! << 8) | (s[i + 1] ?? 0);
      return;
    }
    case 'uint16':
      b.writeUInt16BE(Math.round(Number(value) / (r.scale ?? 1)) & 0xffff);
      break;
    case 'int16':
      b.writeInt16BE(Math.round(Number(value) / (r.scale ?? 1)));
      break;
    case 'uint32':
      b.writeUInt32BE(Math.round(Number(value) / (r.scale ?? 1)));
      words = 2;
      break;
    case 'int32':
      b.writeInt32BE(Math.round(Number(value) / (r.scale ?? 1)));
      words = 2;
      break;
    case 'float32':
      b.writeFloatBE(Number(value));
      words = 2;
      break;
    case 'float64':
      b.writeDoubleBE(Number(value));
      words = 4;
      break;
    default:
      return;
  }
  // CDAB: the least significant word first; bytes inside each word stay high-first.
  for (let i = 0; i < words; i++) {
    const w = r.order === 'CDAB' ? words - 1 - i : i;
    regs[r.address + i] = b.readUInt16BE(w * 2);
  }
}

export function startModbusSimulator(o: SimulatorOptions): Promise<ModbusSimulator> {
  const holding = new Uint16Array(HOLDING_SIZE);
  const input = new Uint16Array(INPUT_SIZE);
  const coils = new Array<boolean>(COIL_SIZE).fill(false);
  const discrete = new Array<boolean>(DISCRETE_SIZE).fill(false);
  for (let a = BENCH_START; a < HOLDING_SIZE; a++) holding[a] = a;
  for (const r of registerMap) if (r.fixed !== undefined) encode(r.table === 'holding' ? holding : input, r, r.fixed);

  const compressor = demoCompressor();
  const pumps: DeviceReader[] = demoPlant();
  const t0 = Date.now();
  const refresh = () => {
    const t = o.frozenAt ?? (o.now ? (o.now() - DEVICE_ORIGIN) / 1000 : (Date.now() - t0) / 1000);
    const live: Record<string, number | boolean | undefined> = {};
    const c = compressor.read(t);
    for (const [k, v] of Object.entries(c)) live[`c-201/${k}`] = v;
    live['c-201/status'] = (c.running ? 1 : 0) | (c.loaded ? 2 : 0);
    live['c-201/high_temp_switch'] = c.discharge_temp > 100;
    for (const p of pumps) for (const [k, v] of Object.entries(p.read(t))) live[`${p.id}/${k}`] = v;
    for (const r of registerMap) {
      const v = live[r.signal];
      if (v === undefined || r.fixed !== undefined) continue;
      if (r.table === 'coil') coils[r.address] = v === true;
      else if (r.table === 'discrete') discrete[r.address] = v === true;
      else encode(r.table === 'holding' ? holding : input, r, Number(v));
    }
  };
  refresh();
  const timer = o.frozenAt === undefined ? setInterval(refresh, o.updateMs ?? 250) : undefined;
  timer?.unref();

  const check = (addr: number, len: number, size: number) => {
    if (addr < 0 || addr + len > size) throw illegalAddress();
  };
  const vector = {
    getHoldingRegister: (addr: number) => (check(addr, 1, HOLDING_SIZE), holding[addr]!),
    getMultipleHoldingRegisters: (addr: number, len: number) => (check(addr, len, HOLDING_SIZE), Array.from(holding.subarray(addr, addr + len))),
    getInputRegister: (addr: number) => (check(addr, 1, INPUT_SIZE), input[addr]!),
    getMultipleInputRegisters: (addr: number, len: number) => (check(addr, len, INPUT_SIZE), Array.from(input.subarray(addr, addr + len))),
    getCoil: (addr: number) => (check(addr, 1, COIL_SIZE), coils[addr]!),
    getDiscreteInput: (addr: number) => (check(addr, 1, DISCRETE_SIZE), discrete[addr]!),
  };
  return listenModbus(vector, { host: o.host, port: o.port }).then((srv) => ({
    port: o.port,
    holding,
    stop: () => (clearInterval(timer), srv.stop()),
  }));
}

/**
 * A modbus-serial ServerTCP answering every unit id with `vector`, resolved once it listens. A
 * client that resets its socket does not take it down; `stop` drops the clients and closes it.
 */
export function listenModbus(vector: object, o: { host?: string | undefined; port: number }): Promise<{ stop: () => Promise<void> }> {
  const server = new modbusSerial.ServerTCP(vector, { host: o.host ?? '127.0.0.1', port: o.port, unitID: 255 });
  server.on('socketError', () => undefined);
  return new Promise((resolve, reject) => {
    server.on('serverError', reject);
    server.on('initialized', () =>
      resolve({
        stop: () =>
          new Promise<void>((r) => {
            for (const sock of server.socks.keys()) sock.destroy();
            server.close(() => r());
          }),
      }),
    );
  });
}
