/**
 * ISO 10816-3:2009 Annex A (Tables A.1, A.2): zone boundaries for broad-band RMS vibration
 * velocity, mm/s, measured on the bearing housings of machines above 15 kW. ISO 20816-3:2022
 * keeps the values. Group 1: 300 kW - 50 MW; group 2: 15 - 300 kW.
 */
export type MachineGroup = 1 | 2;
export type Foundation = 'rigid' | 'flexible';

export interface IsoClass {
  group: MachineGroup;
  foundation: Foundation;
}

export interface ZoneBoundaries {
  /** A/B: newly commissioned machines below this. */
  ab: number;
  /** B/C: unrestricted long-term operation below this. */
  bc: number;
  /** C/D: above this, severe enough to cause damage. */
  cd: number;
}

const TABLE: Record<`${MachineGroup}-${Foundation}`, ZoneBoundaries> = {
  '1-rigid': { ab: 2.3, bc: 4.5, cd: 7.1 },
  '1-flexible': { ab: 3.5, bc: 7.1, cd: 11.0 },
  '2-rigid': { ab: 1.4, bc: 2.8, cd: 4.5 },
  '2-flexible': { ab: 2.3, bc: 4.5, cd: 7.1 },
};

export function zones(c: IsoClass): ZoneBoundaries {
  return TABLE[`${c.group}-${c.foundation}`];
}

/** The zone (A-D) a vibration level falls in. */
export function zoneOf(c: IsoClass, v: number): 'A' | 'B' | 'C' | 'D' {
  const z = zones(c);
  return v < z.ab ? 'A' : v < z.bc ? 'B' : v < z.cd ? 'C' : 'D';
}
