import type modbusSerial from 'modbus-serial';
import type { ModbusFunction } from '../../config/sources/modbus.js';
import { CbmError } from '../../core/errors.js';
import { classify } from './failure.js';

export type LinkTarget =
  | { transport: 'tcp'; host: string; port: number }
  | { transport: 'rtu'; path: string; baudRate: number; parity: 'none' | 'even' | 'odd'; dataBits: 7 | 8; stopBits: 1 | 2 };

/** What one read returns: registers as received (2 bytes each, high byte first) or bits. */
export type ReadResult = { registers: Buffer; bits?: undefined } | { bits: boolean[]; registers?: undefined };

// modbus-serial is CommonJS: under NodeNext the default import is `module.exports`, whose `default` is the class.
type Client = InstanceType<typeof modbusSerial.default>;

/**
 * modbus-serial (with serialport and its native binding, ~17 MB of RSS) is loaded when the first
 * Modbus link opens, not with the gateway: a site without Modbus sources does not carry it.
 */
let library: Promise<typeof modbusSerial.default> | undefined;
const loadModbusSerial = () => (library ??= import('modbus-serial').then((m) => m.default.default));

export function describeTarget(t: LinkTarget): string {
  return t.transport === 'tcp' ? `tcp://${t.host}:${t.port}` : `rtu:${t.path}@${t.baudRate}`;
}

/**
 * One connection to a TCP device or one serial line (which several RTU units share). Requests
 * are serialised: Modbus RTU allows one outstanding request per line (Modbus over Serial Line
 * v1.02 §2.4), and many TCP devices mishandle pipelined requests. modbus-serial leaves a
 * request pending when the socket closes, so the link fails it at once instead of waiting out the timeout.
 */
export class ModbusLink {
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private failPending: ((e: CbmError) => void) | undefined;
  private closed = false;

  constructor(readonly target: LinkTarget) {}

  get isOpen(): boolean {
    return this.client?.isOpen === true;
  }

  /** Opens the connection unless open; concurrent callers share one attempt. Throws a coded error. */
  connect(timeoutMs: number): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    this.connecting ??= this.open(timeoutMs).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(timeoutMs: number): Promise<void> {
    this.drop();
    const ModbusRTU = await loadModbusSerial();
    if (this.closed) throw new CbmError('CBM_ERR_MODBUS_CONNECTION', `link to ${describeTarget(this.target)} closed`);
    const client: Client = new ModbusRTU();
    // Without an 'error' listener an ECONNRESET from the port would crash the process.
    client.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    const t = this.target;
    const opening = t.transport === 'tcp' ? client.connectTCP(t.host, { port: t.port }) : client.connectRTUBuffered(t.path, { baudRate: t.baudRate, parity: t.parity, dataBits: t.dataBits, stopBits: t.stopBits });
    try {
      await Promise.race([
        opening,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CbmError('CBM_ERR_MODBUS_CONNECTION', `connect to ${describeTarget(t)} timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      opening.catch(() => undefined);
      destroy(client);
      const err = classify(e);
      throw err.code === 'CBM_ERR_MODBUS_CONNECTION' ? err : new CbmError('CBM_ERR_MODBUS_CONNECTION', `connect to ${describeTarget(t)}: ${err.message}`);
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) {
      destroy(client);
      throw new CbmError('CBM_ERR_MODBUS_CONNECTION', `link to ${describeTarget(t)} closed`);
    }
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.failPending?.(new CbmError('CBM_ERR_MODBUS_CONNECTION', `connection to ${describeTarget(t)} closed`));
    });
    this.client = client;
  }

  /** Reads `count` registers or bits from `unitId`; waits for earlier requests on this link first. */
  read(unitId: number, fn: ModbusFunction, address: number, count: number, timeoutMs: number): Promise<ReadResult> {
    const run = () => this.readNow(unitId, fn, address, count, timeoutMs);
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private async readNow(unitId: number, fn: ModbusFunction, address: number, count: number, timeoutMs: number): Promise<ReadResult> {
    const client = this.client;
    if (!client?.isOpen) throw new CbmError('CBM_ERR_MODBUS_CONNECTION', `not connected to ${describeTarget(this.target)}`);
    client.setID(unitId);
    client.setTimeout(timeoutMs);
    const closed = new Promise<never>((_, reject) => (this.failPending = reject));
    closed.catch(() => undefined);
    try {
      switch (fn) {
        case 'holding':
          return { registers: whole((await Promise.race([client.readHoldingRegisters(address, count), closed])).buffer, count) };
        case 'input':
          return { registers: whole((await Promise.race([client.readInputRegisters(address, count), closed])).buffer, count) };
        case 'coil':
          return { bits: allBits((await Promise.race([client.readCoils(address, count), closed])).data, count) };
        case 'discrete':
          return { bits: allBits((await Promise.race([client.readDiscreteInputs(address, count), closed])).data, count) };
      }
    } catch (e) {
      throw classify(e);
    } finally {
      this.failPending = undefined;
    }
  }

  /** Closes for good: a connection still being opened is discarded when it completes. */
  close(): void {
    this.closed = true;
    this.drop();
  }

  /** Closes the connection (after a timeout the device's TCP stack may be wedged; a fresh socket is the cure). */
  drop(): void {
    const c = this.client;
    this.client = undefined;
    this.failPending?.(new CbmError('CBM_ERR_MODBUS_CONNECTION', `connection to ${describeTarget(this.target)} closed`));
    if (c) destroy(c);
  }
}

/** A response of another size than asked for (§6.3, §6.4: byte count = 2 × N) is a broken answer, not data. */
function whole(b: Buffer, count: number): Buffer {
  if (b.length !== count * 2) throw new CbmError('CBM_ERR_MODBUS_RESPONSE', `malformed response: ${b.length} bytes for ${count} registers`);
  return b;
}

/**
 * Bits as modbus-serial unpacks them, 8 per byte of the answer: §6.1, §6.2 say ⌈N/8⌉ bytes. Given
 * a larger byte count than the frame holds, modbus-serial reads bits from past the frame.
 */
function allBits(bits: boolean[], count: number): boolean[] {
  if (bits.length !== 8 * Math.ceil(count / 8)) throw new CbmError('CBM_ERR_MODBUS_RESPONSE', `malformed response: ${bits.length / 8} bytes of bits for ${count} bits`);
  return bits;
}

function destroy(c: Client): void {
  try {
    c.destroy(() => undefined);
  } catch {
    // already gone
  }
}
