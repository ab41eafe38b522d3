import type { ByteOrder, ModbusDeviceConfig, ModbusFunction, ModbusType } from '../../config/sources/modbus.js';
import { CbmError } from '../../core/errors.js';
import { tagKey } from '../../core/sample.js';
import { coalesce, isBitFunction, type Block } from './coalesce.js';
import { registerCount } from './decode.js';

/** A configured point, resolved: PDU address, width in registers (or 1 bit), decoding. */
export interface PlanPoint {
  key: string;
  fn: ModbusFunction;
  /** 0-based protocol (PDU) address. */
  address: number;
  /** Registers (or bits) the value occupies. */
  width: number;
  type: ModbusType;
  order: ByteOrder;
  bit: number | undefined;
  length: number | undefined;
  scale: number;
  offset: number;
  /** Reason of the last Bad sample sent, so a lasting fault is reported once, not every poll. */
  badReason: string | undefined;
}

/** Points polled together at one interval, already coalesced into requests. */
export interface PollGroup {
  id: string;
  interval: number;
  blocks: Block[];
  points: PlanPoint[];
  /** Next due time (ms since epoch), kept by the poller. */
  due: number;
}

/** Turns a device's config into poll groups: the device's own points, then each `groups` entry. */
export function planDevice(d: ModbusDeviceConfig): PollGroup[] {
  const groups: PollGroup[] = [];
  const make = (id: string, interval: number, pts: ModbusDeviceConfig['points'], groupAsset: string | undefined) => {
    const points = pts.map((p, i): PlanPoint => {
      const type = p.type ?? (isBitFunction(p.function) ? 'bool' : 'uint16');
      const address = p.address - d.addressBase;
      const width = isBitFunction(p.function) ? 1 : registerCount(type, p.length);
      if (address + width > 65536) {
        throw new CbmError('CBM_ERR_CONFIG_INVALID', `device "${d.id}" group "${id}" point ${i} (${p.tag}): ${type} at ${p.address} runs past address 65535`);
      }
      return {
        key: tagKey(p.asset ?? groupAsset ?? d.asset ?? '', p.tag),
        fn: p.function,
        address,
        width,
        type,
        order: p.order ?? d.order,
        bit: p.bit,
        length: p.length,
        scale: p.scale,
        offset: p.offset,
        badReason: undefined,
      };
    });
    groups.push({ id, interval, points, blocks: coalesce(points, d.coalesce), due: 0 });
  };
  if (d.points.length > 0) make('default', d.pollInterval, d.points, undefined);
  for (const g of d.groups) make(g.id, g.pollInterval ?? d.pollInterval, g.points, g.asset);
  return groups;
}
