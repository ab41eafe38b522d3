import type { ModbusFunction } from '../../config/sources/modbus.js';
import type { PlanPoint } from './plan.js';

/** One read request: a function, a start address and a count, and the points it serves. */
export interface Block {
  fn: ModbusFunction;
  start: number;
  count: number;
  points: PlanPoint[];
}

export interface CoalesceOptions {
  enabled: boolean;
  /** Unused registers a request may span to join two points; bits may span 16× this. */
  maxGap: number;
  /** FC03/FC04 quantity limit, 125 at most (Modbus Application Protocol v1.1b3 §6.3, §6.4). */
  maxRegisters: number;
  /** FC01/FC02 quantity limit, 2000 at most (§6.1, §6.2). */
  maxBits: number;
}

export function isBitFunction(fn: ModbusFunction): boolean {
  return fn === 'coil' || fn === 'discrete';
}

/**
 * Groups points into as few requests as the protocol limits allow: per function, in address
 * order, a point joins the open request when the gap to it is at most `maxGap` and the request
 * stays within the quantity limit. With coalescing off every point is its own request.
 */
export function coalesce(points: readonly PlanPoint[], o: CoalesceOptions): Block[] {
  const byFn = new Map<ModbusFunction, PlanPoint[]>();
  for (const p of points) {
    const list = byFn.get(p.fn) ?? [];
    list.push(p);
    byFn.set(p.fn, list);
  }
  const blocks: Block[] = [];
  for (const [fn, list] of byFn) {
    const sorted = [...list].sort((a, b) => a.address - b.address || b.width - a.width);
    if (!o.enabled) {
      for (const p of sorted) blocks.push({ fn, start: p.address, count: p.width, points: [p] });
      continue;
    }
    const bits = isBitFunction(fn);
    const limit = bits ? o.maxBits : o.maxRegisters;
    const gap = bits ? o.maxGap * 16 : o.maxGap;
    let open: Block | undefined;
    for (const p of sorted) {
      if (open) {
        const end = open.start + open.count;
        const newEnd = Math.max(end, p.address + p.width);
        if (p.address - end <= gap && newEnd - open.start <= limit) {
          open.count = newEnd - open.start;
          open.points.push(p);
          continue;
        }
      }
      open = { fn, start: p.address, count: p.width, points: [p] };
      blocks.push(open);
    }
  }
  return blocks;
}

/** One request per point, for a block a device refused as a whole (exception 02 on a gap register). */
export function splitBlock(b: Block): Block[] {
  return b.points.map((p) => ({ fn: b.fn, start: p.address, count: p.width, points: [p] }));
}
