import { z } from 'zod';
import { GROWTH_LAWS } from '../plant/degradation/degradation.js';
import { MODE_IDS } from '../plant/degradation/modes.js';
import { MACHINE_KINDS } from '../plant/machine.js';
import { parseTimeRef, spanMs } from './time.js';

/**
 * The scenario file (simulators/scenarios/*.yaml): a plant, what goes wrong in it and when, how
 * fast it runs, and the work orders a planner expects from it. Every key is documented in
 * docs/simulators.md; validation reports file, line, path and what was expected.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a lower-case id (letters, digits, - and _)');
export const span = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = spanMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 90s, 10m, 6h or 30d; got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});
const positiveSpan = span.refine((ms) => ms > 0, 'expected a duration above zero');
const timeRef = z.string().transform((v, ctx) => {
  const r = parseTimeRef(v);
  if (!r) {
    ctx.addIssue({ code: 'custom', message: `expected an offset from the start (8d) or a ground-truth crossing such as p-101.bearing_temp>85, optionally -1d / +2h; got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return r;
});
const clock = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'expected a shift as HH:MM-HH:MM, e.g. 06:00-14:00');
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const days = z.union([z.enum(['mon-fri', 'mon-sat', 'every-day']), z.array(z.enum(DAY_NAMES)).min(1)]);

const schedule = z.union([
  z.literal('continuous'),
  z.object({ shifts: z.array(clock).min(1), days: days.default('mon-fri') }).strict(),
  z.object({ cycle: z.object({ on: positiveSpan, off: positiveSpan, offset: span.default(0) }).strict() }).strict(),
]);

const degradation = z
  .object({
    mode: z.enum(MODE_IDS, { message: `expected a mode: ${MODE_IDS.join(', ')}` }),
    start: span,
    /** From onset to functional failure (severity 1). */
    duration: positiveSpan,
    growth: z.enum(GROWTH_LAWS).default('exponential'),
    magnitude: z.number().positive().default(1),
  })
  .strict();

const window = { start: span.default(0), end: span.optional() };
export const OPCUA_BAD = ['BadSensorFailure', 'BadCommunicationError', 'BadOutOfService', 'BadDeviceFailure'] as const;
const fault = z.discriminatedUnion(
  'type',
  [
    /** The value freezes at what it read at `start`. */
    z.object({ type: z.literal('stuck'), signal: z.string(), ...window }).strict(),
    /** No samples at all. */
    z.object({ type: z.literal('dropout'), signal: z.string(), ...window }).strict(),
    /** Now and then (on average once per `every`) one sample is off by `size`. */
    z.object({ type: z.literal('spikes'), signal: z.string(), ...window, every: positiveSpan, size: z.number() }).strict(),
    /** A calibration drift of `perDay` units a day from `start`. */
    z.object({ type: z.literal('drift'), signal: z.string(), ...window, perDay: z.number() }).strict(),
    /** A square wave of ± amplitude/2 with this period: a loose connector, a level dithering around a switch point. */
    z.object({ type: z.literal('chatter'), signal: z.string(), ...window, amplitude: z.number().positive(), period: positiveSpan }).strict(),
    /** The sensor reports only every `interval` (a wireless sensor saving its battery). */
    z.object({ type: z.literal('slow'), signals: z.array(z.string()).min(1).optional(), interval: positiveSpan }).strict(),
    /** Modbus only: the device holds this float with its words swapped (CDAB) while the site reads ABCD. */
    z.object({ type: z.literal('word-swap'), signal: z.string() }).strict(),
    /** OPC UA only: the value comes with a Bad status (Part 4 §7.39) from `start`. */
    z.object({ type: z.literal('bad-status'), signal: z.string(), ...window, status: z.enum(OPCUA_BAD).default('BadSensorFailure') }).strict(),
  ],
  { message: 'expected a fault type: stuck, dropout, spikes, drift, chatter, slow, word-swap or bad-status' },
);

export const PROTOCOLS = ['mqtt-json', 'mqtt-bare', 'modbus', 'opcua'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

const machine = z
  .object({
    id,
    name: z.string().optional(),
    model: z.enum(MACHINE_KINDS, { message: `expected a model: ${MACHINE_KINDS.join(', ')}` }),
    protocol: z.enum(PROTOCOLS, { message: `expected a protocol: ${PROTOCOLS.join(', ')}` }),
    /** Line in the site hierarchy, `area/line`; default `plant/main`. */
    line: z.string().regex(/^[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*$/, 'expected area/line').default('plant/main'),
    criticality: z.enum(['A', 'B', 'C']).default('B'),
    iso: z.object({ group: z.union([z.literal(1), z.literal(2)]).default(2), foundation: z.enum(['rigid', 'flexible']).default('rigid') }).strict().optional(),
    schedule: schedule.default('continuous'),
    load: z.object({ day: z.number().min(0).max(1.1), night: z.number().min(0).max(1.1), variation: z.number().min(0).max(0.5).default(0.05) }).strict().optional(),
    /** Sample interval of its sensors; default the scenario's. */
    interval: positiveSpan.optional(),
    /** Signals served; default all the model has. */
    signals: z.array(z.string()).min(1).optional(),
    params: z.record(z.string(), z.number()).default({}),
    seed: z.number().int().optional(),
    degradations: z.array(degradation).default([]),
    faults: z.array(fault).default([]),
  })
  .strict();

const ruleMatch = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const count = z.union([z.number().int().min(0), z.object({ min: z.number().int().min(0).default(0), max: z.number().int().min(0) }).strict()]);

const expectedOrder = z
  .object({
    asset: id,
    /** Rule id, or a list; `*` matches any characters (`iso10816-*-zone-c`). */
    rule: ruleMatch,
    /** What the planner calls the problem (bearing wear, sensor fault): for reports. */
    failureMode: z.string().optional(),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
    /** Orders raised before this time do not count as this one. */
    after: timeRef.optional(),
    before: timeRef.optional(),
    /** How many such orders; default exactly 1. */
    count: count.default(1),
    why: z.string().optional(),
  })
  .strict();

const forbidden = z.object({ asset: id.optional(), rule: ruleMatch.optional(), why: z.string().optional() }).strict();

export const scenarioSchema = z
  .object({
    name: id,
    description: z.string().min(1),
    seed: z.number().int(),
    /** Simulated start, ISO 8601 (UTC). */
    start: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time such as 2026-01-05T00:00:00Z' }),
    duration: positiveSpan,
    /** Simulated ms per wall ms; or give `wallTime` and let it be duration / wallTime. */
    timeScale: z.number().positive().optional(),
    wallTime: positiveSpan.optional(),
    sampleInterval: positiveSpan.default(60_000),
    /** Run-hour counts whose first reaching is part of the ground truth (`c-501.run_hours>2000`), for PM expectations. */
    runHourMarks: z.array(z.number().positive()).default([]),
    ambient: z.object({ mean: z.number(), swing: z.number().min(0), peakHour: z.number().min(0).max(24).default(15) }).strict().optional(),
    /** Rule files or folders for the gateway, relative to this file. */
    rules: z.array(z.string().min(1)).min(1),
    machines: z.array(machine).min(1),
    expect: z
      .object({
        orders: z.array(expectedOrder).default([]),
        forbid: z.array(forbidden).default([]),
        /** Orders matching no expectation are failures unless this is true. */
        othersAllowed: z.boolean().default(false),
      })
      .strict(),
    /** Replay of the recording through `rules test`: tick period, and how far apart live and replayed orders may be. */
    replay: z.object({ tick: positiveSpan.default(1000), tolerance: positiveSpan.default(3_600_000) }).strict().default({ tick: 1000, tolerance: 3_600_000 }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.timeScale === undefined) === (s.wallTime === undefined)) ctx.addIssue({ code: 'custom', path: ['timeScale'], message: 'expected exactly one of `timeScale` (simulated ms per wall ms) or `wallTime` (how long the run takes)' });
    const seen = new Map<string, number>();
    s.machines.forEach((m, i) => {
      if (seen.has(m.id)) ctx.addIssue({ code: 'custom', path: ['machines', i, 'id'], message: `duplicate machine id "${m.id}" (first at machines[${seen.get(m.id)}])` });
      seen.set(m.id, i);
      m.faults.forEach((f, j) => {
        if (f.type === 'word-swap' && m.protocol !== 'modbus') ctx.addIssue({ code: 'custom', path: ['machines', i, 'faults', j, 'type'], message: `word-swap is a Modbus fault; machine "${m.id}" is served over ${m.protocol}` });
        if (f.type === 'bad-status' && m.protocol !== 'opcua') ctx.addIssue({ code: 'custom', path: ['machines', i, 'faults', j, 'type'], message: `bad-status is an OPC UA fault; machine "${m.id}" is served over ${m.protocol}` });
      });
    });
  });

export type ScenarioFile = z.output<typeof scenarioSchema>;
export type MachineEntry = ScenarioFile['machines'][number];
export type FaultEntry = MachineEntry['faults'][number];
export type ExpectedOrder = ScenarioFile['expect']['orders'][number];
export type ForbiddenOrder = ScenarioFile['expect']['forbid'][number];
