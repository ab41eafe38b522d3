import { Fan } from './fan.js';
import { machineSpec, type Machine, type Value } from './machine.js';
import { Pump } from './pump.js';

export { rng } from './prng.js';

/** A machine read by seconds since a fixed device started: what the fixed test servers serve. */
export interface DeviceReader {
  id: string;
  read(t: number): Record<string, Value>;
}

const ORIGIN = Date.UTC(2026, 0, 5, 8);

function reader(m: Machine): DeviceReader {
  return { id: m.id, read: (t) => m.read(ORIGIN + t * 1000) };
}

/**
 * The pumps P-101 and P-102 of the fixed test servers (the Modbus device's input registers, the
 * OPC UA server's DemoPlant folder), healthy and running. Scenarios build their own plants.
 */
export function demoPlant(): DeviceReader[] {
  return [101, 102].map((n) => reader(new Pump(machineSpec({ id: `p-${n}`, seed: n, origin: ORIGIN }))));
}

/** The cooling-tower fan F-301 of the fixed OPC UA server, at full speed. */
export function demoFan(): DeviceReader {
  return reader(new Fan(machineSpec({ id: 'f-301', seed: 301, origin: ORIGIN, iso: { group: 2, foundation: 'flexible' }, load: { day: 1, night: 1, variation: 0 } })));
}
