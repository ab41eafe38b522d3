import { Chiller } from './chiller.js';
import { AirCompressor } from './compressor.js';
import { Fan } from './fan.js';
import { Gearbox } from './gearbox.js';
import type { Machine, MachineKind, MachineSpec } from './machine.js';
import { Motor } from './motor.js';
import { Pump } from './pump.js';

/** Every machine model, by the kind a scenario names. */
export const MODELS: Record<MachineKind, new (spec: MachineSpec) => Machine> = {
  pump: Pump,
  motor: Motor,
  fan: Fan,
  compressor: AirCompressor,
  chiller: Chiller,
  gearbox: Gearbox,
};

export function createMachine(kind: MachineKind, spec: MachineSpec): Machine {
  const m = new MODELS[kind](spec);
  void m.modes; // checks the degradations against the model now, not at the first reading
  return m;
}
