import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureUsers, type UserSeed } from '../../gateway/users.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import type { Sample } from '../../src/core/sample.js';
import type { SiteConfigInput } from '../../src/config/schema.js';
import { openStore } from '../../src/store/db.js';
import { TEST_SCRYPT, type RuleInput } from '../helpers/gateway.js';
import { rng } from '../../simulators/plant/model.js';

/**
 * A small plant for the page's end-to-end tests: a pumping station whose Pump 101 (criticality A)
 * degrades (bearing temperature climbing past its 85 °C alarm, trending to 95 °C), healthy pumps
 * and a compressed-air line, with six hours of one-minute samples from seeded noise. Its API asks
 * for a login as a real site's does; work orders go to a CMMS webhook at `cmmsUrl`, signed with
 * {@link CMMS_SECRET}.
 */
export function plantSite(cmmsUrl: string): Omit<SiteConfigInput, 'rules'> {
  const pump = (id: string, name: string, criticality: 'A' | 'B' | 'C') => ({
    id,
    name,
    class: 'pump',
    line: 'pumping/raw-water',
    criticality,
    manufacturer: 'KSB',
    model: 'Etanorm 80-200',
    serialNumber: `SN-${id.toUpperCase()}`,
    tags: [
      { id: 'bearing_temp', name: 'Bearing temperature', unit: 'degC', range: { min: -40, max: 200 } },
      { id: 'vibration', name: 'Vibration velocity', unit: 'mm/s', range: { min: 0, max: 100 } },
      { id: 'flow', name: 'Flow', unit: 'm3/h', range: { min: 0, max: 2000 } },
    ],
  });
  return {
    gateway: { id: 'e2e-gw', dataDir: './data', logLevel: 'silent' },
    site: { id: 'riverside', name: 'Riverside water works' },
    areas: [
      { id: 'pumping', name: 'Pumping station', lines: [{ id: 'raw-water', name: 'Raw water' }] },
      { id: 'utilities', name: 'Utilities', lines: [{ id: 'air', name: 'Compressed air' }] },
    ],
    assets: [
      pump('p-101', 'Pump 101', 'A'),
      pump('p-102', 'Pump 102', 'A'),
      pump('p-103', 'Pump 103', 'B'),
      {
        id: 'c-201',
        name: 'Compressor 201',
        class: 'compressor',
        line: 'utilities/air',
        criticality: 'B',
        tags: [
          { id: 'discharge_temp', name: 'Discharge temperature', unit: 'degC', range: { min: -40, max: 250 } },
          { id: 'pressure', name: 'Pressure', unit: 'bar', range: { min: 0, max: 20 } },
        ],
      },
      { id: 'f-301', name: 'Cooling fan 301', class: 'fan', line: 'utilities/air', criticality: 'C', tags: [{ id: 'vibration', name: 'Vibration velocity', unit: 'mm/s', range: { min: 0, max: 100 } }] },
    ],
    api: { port: 0 },
    workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: `${cmmsUrl}/work-orders`, secret: CMMS_SECRET }], retry: { initialDelay: '200ms', maxDelay: '2s' } },
  };
}

export const CMMS_SECRET = 'e2e-cmms-secret';

/** One user per role, as the demo makes them; the page is logged in to through its form. */
export const PLANT_USERS = [
  { user: 'vera', role: 'viewer', password: 'vera-viewer-pw' },
  { user: 'tom', role: 'technician', password: 'tom-technician-pw' },
  { user: 'erin', role: 'engineer', password: 'erin-engineer-pw' },
  { user: 'ada', role: 'admin', password: 'ada-admin-pw' },
] as const satisfies readonly UserSeed[];
export type PlantRole = (typeof PLANT_USERS)[number]['role'];

/** Adds {@link PLANT_USERS} to the store of the site in `dir` before its gateway starts (cheap scrypt parameters). */
export async function seedUsers(dir: string): Promise<void> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const db = openStore(join(dir, 'data', 'gateway.db'));
  try {
    await ensureUsers(db, PLANT_USERS, { by: 'e2e', params: TEST_SCRYPT });
  } finally {
    db.close();
  }
}

export const plantRules: RuleInput[] = [
  {
    id: 'bearing-hot',
    name: 'Bearing temperature high',
    selector: { class: 'pump' },
    priority: 2,
    conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 85 }] },
    deadband: 5,
    workOrder: { type: 'PdM', title: 'Bearing {{value.bearing_temp}} °C on {{asset.name}}', description: 'Above {{limit.bearing_temp}} °C. Check lubrication and the bearing.' },
  },
  {
    id: 'bearing-trend',
    name: 'Bearing temperature trending to 95 °C',
    selector: { class: 'pump' },
    priority: 3,
    conditions: {
      all: [
        { fact: 'bearing_temp', operator: 'lessThan', value: 72, params: { stat: 'timeToLimit', limit: 95, window: '6h' } },
        // Three hours of one-minute data before a trend is trusted (as the library's trend rule does).
        { fact: 'bearing_temp', operator: 'greaterThanInclusive', value: 180, params: { stat: 'count', window: '6h' } },
      ],
    },
    workOrder: { type: 'PdM', title: '{{asset.name}}: bearing temperature trending to 95 °C' },
  },
  {
    id: 'vibration-zone-d',
    name: 'Vibration in ISO 10816-3 zone D',
    selector: { tags: ['vibration'] },
    priority: 1,
    conditions: { all: [{ fact: 'vibration', operator: 'greaterThan', value: 4.5 }] },
    deadband: 0.3,
    workOrder: { type: 'CM', title: 'Severe vibration {{value.vibration}} mm/s on {{asset.name}}' },
  },
];

/**
 * Six hours of one-minute samples up to `now`. Pump 101's bearing climbs from 62 °C to about
 * 87 °C over the last four hours (its alarm raises in the last minutes); Pump 102 had a
 * vibration excursion into zone D three hours ago (its order is the one the CMMS completes).
 */
export function plantHistory(now: number, minutes = 360): Sample[][] {
  const r = rng(42);
  const n = () => r() - 0.5; // seeded noise in ±0.5: the same on every run
  const out: Sample[][] = [];
  for (let i = minutes; i >= 0; i--) {
    const ts = now - i * 60_000;
    const age = minutes - i; // minutes since the start
    const rise = Math.max(0, age - 120) * (25 / 240);
    const s: Sample[] = [
      { tag: 'p-101/bearing_temp', ts, value: round(62 + rise + n() * 0.6), quality: 'Good' },
      { tag: 'p-101/vibration', ts, value: round(2.1 + rise * 0.03 + n() * 0.2), quality: 'Good' },
      { tag: 'p-101/flow', ts, value: round(410 + n() * 8), quality: 'Good' },
      { tag: 'p-102/bearing_temp', ts, value: round(64 + n() * 0.6), quality: 'Good' },
      { tag: 'p-102/vibration', ts, value: round((age > 175 && age < 185 ? 5.2 : 1.9) + n() * 0.15), quality: 'Good' },
      { tag: 'p-102/flow', ts, value: round(395 + n() * 8), quality: 'Good' },
      { tag: 'p-103/bearing_temp', ts, value: round(58 + n() * 0.6), quality: 'Good' },
      { tag: 'p-103/vibration', ts, value: round(1.4 + n() * 0.15), quality: 'Good' },
      { tag: 'p-103/flow', ts, value: round(380 + n() * 8), quality: 'Good' },
      { tag: 'c-201/discharge_temp', ts, value: round(92 + n() * 1.5), quality: 'Good' },
      { tag: 'c-201/pressure', ts, value: round(7.4 + n() * 0.1), quality: 'Good' },
      { tag: 'f-301/vibration', ts, value: round(2.6 + n() * 0.2), quality: 'Good' },
    ];
    out.push(s);
  }
  return out;
}

const round = (v: number) => Math.round(v * 100) / 100;

/**
 * The system clock, except while pinned: the plant's history is fed with the gateway's clock at
 * each sample's time, so alarms and orders carry the times they would have had, and then the
 * gateway runs on in real time (the browser's clock).
 */
export class PinnableClock implements Clock {
  pinned: number | undefined;
  now(): number {
    return this.pinned ?? Date.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
  timer(ms: number, cb: () => void): () => void {
    return systemClock.timer(ms, cb);
  }
}
