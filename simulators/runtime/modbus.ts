import { encode, listenModbus } from '../modbus/server.js';
import type { SimRegister } from '../modbus/register-map.js';
import type { SimMachine } from '../scenario/load.js';
import type { SensorValue } from '../sensors/faults.js';

/**
 * A scenario's Modbus machines behind one Modbus TCP server, one unit id each, as behind a
 * Modbus gateway (a Moxa MGate or an Anybus in front of the PLCs). Each unit's map is made from
 * its model's signals: floats in holding registers (FC03) from 0, two registers each, ABCD
 * (big-endian, the spec's own order) unless a word-swap fault makes the device hold CDAB;
 * counters as uint32 ABCD after them; booleans as coils (FC01) from 0.
 */
export interface ModbusPoint {
  signal: string;
  table: 'holding' | 'coil';
  address: number;
  type: 'float32' | 'uint32' | 'bool';
  /** value = raw × scale (counters with a decimal). */
  scale?: number;
}

export function modbusLayout(m: SimMachine): ModbusPoint[] {
  const out: ModbusPoint[] = [];
  let reg = 0;
  let coil = 0;
  for (const s of m.signals.filter((x) => x.kind === 'analog')) out.push({ signal: s.id, table: 'holding', address: (reg += 2) - 2, type: 'float32' });
  for (const s of m.signals.filter((x) => x.kind === 'counter')) out.push({ signal: s.id, table: 'holding', address: (reg += 2) - 2, type: 'uint32', ...(s.decimals ? { scale: 10 ** -s.decimals } : {}) });
  for (const s of m.signals.filter((x) => x.kind === 'boolean')) out.push({ signal: s.id, table: 'coil', address: coil++, type: 'bool' });
  return out;
}

interface Unit {
  points: (ModbusPoint & { reg: SimRegister })[];
  holding: Uint16Array;
  coils: boolean[];
}

/** Modbus Application Protocol v1.1b3 §7: exception 02 (address not on the device), 0B (no such unit behind the gateway). */
function modbusError(code: number, message: string): Error & { modbusErrorCode: number } {
  return Object.assign(new Error(message), { modbusErrorCode: code });
}

export interface ModbusPlant {
  port: number;
  update(unitId: number, values: Map<string, SensorValue>): void;
  stop(): Promise<void>;
}

export function startModbusPlant(o: { host?: string; port: number; units: { unitId: number; sim: SimMachine; swapped: (signal: string) => boolean }[] }): Promise<ModbusPlant> {
  const units = new Map<number, Unit>();
  for (const u of o.units) {
    const points = modbusLayout(u.sim).map((p) => ({
      ...p,
      reg: { table: p.table, address: p.address, signal: p.signal, type: p.type, order: u.swapped(p.signal) ? 'CDAB' : 'ABCD', ...(p.scale ? { scale: p.scale } : {}) } as SimRegister,
    }));
    const regs = points.filter((p) => p.table === 'holding').reduce((n, p) => Math.max(n, p.address + 2), 0);
    units.set(u.unitId, { points, holding: new Uint16Array(regs), coils: new Array<boolean>(points.filter((p) => p.table === 'coil').length).fill(false) });
  }
  const unit = (id: number) => {
    const u = units.get(id);
    if (!u) throw modbusError(0x0b, `no unit ${id}`);
    return u;
  };
  const range = (addr: number, len: number, size: number) => {
    if (addr < 0 || addr + len > size) throw modbusError(0x02, 'illegal data address');
  };
  const vector = {
    getHoldingRegister: (addr: number, id: number) => {
      const u = unit(id);
      range(addr, 1, u.holding.length);
      return u.holding[addr]!;
    },
    getMultipleHoldingRegisters: (addr: number, len: number, id: number) => {
      const u = unit(id);
      range(addr, len, u.holding.length);
      return Array.from(u.holding.subarray(addr, addr + len));
    },
    getCoil: (addr: number, id: number) => {
      const u = unit(id);
      range(addr, 1, u.coils.length);
      return u.coils[addr]!;
    },
  };
  return listenModbus(vector, { host: o.host, port: o.port }).then((srv) => ({
    port: o.port,
    stop: srv.stop,
    update(unitId: number, values: Map<string, SensorValue>) {
      const u = units.get(unitId)!;
      for (const p of u.points) {
        const v = values.get(p.signal);
        if (!v) continue; // a sensor in dropout: the register keeps its last value, as most devices do
        if (p.table === 'coil') u.coils[p.address] = v.value === true;
        else encode(u.holding, p.reg, Number(v.value));
      }
    },
  }));
}
