import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ScheduleSpec } from '../plant/environment.js';
import { DEFAULT_AMBIENT, DEFAULT_LOAD } from '../plant/environment.js';
import { UsageCounter } from '../plant/counters.js';
import { crossingId, groundTruth, type DegradationTruth } from '../plant/ground-truth.js';
import { machineSpec, type Machine, type SignalSpec } from '../plant/machine.js';
import { streamOf } from '../plant/prng.js';
import { createMachine } from '../plant/registry.js';
import { ScenarioError, readValidated, type ScenarioProblem } from './problems.js';
import { DAY_NAMES, scenarioSchema, type FaultEntry, type MachineEntry, type Protocol, type ScenarioFile } from './schema.js';
import type { TimeRef } from './time.js';

/** One machine of a loaded scenario: its model, the signals it serves and each one's reporting interval. */
export interface SimMachine {
  entry: MachineEntry;
  machine: Machine;
  protocol: Protocol;
  signals: SignalSpec[];
  /** Reporting interval per signal, ms (a `slow` fault lengthens it). */
  interval: Map<string, number>;
  faults: FaultEntry[];
}

export interface Scenario {
  file: string;
  def: ScenarioFile;
  start: number;
  end: number;
  /** Simulated ms per wall ms. */
  scale: number;
  machines: SimMachine[];
  truth: DegradationTruth[];
  /** Crossing id → simulated time (undefined: not crossed within the run). */
  crossings: Map<string, number | undefined>;
  /** Rule files and folders, absolute. */
  rules: string[];
}

/** simulators/scenarios, found from this module's place in the source tree or in dist/. */
export function scenariosDir(): string {
  for (let d = import.meta.dirname; d !== dirname(d); d = dirname(d)) {
    const c = join(d, 'simulators', 'scenarios');
    if (existsSync(c)) return c;
  }
  throw new Error('cannot find simulators/scenarios');
}

export function listScenarios(): string[] {
  return readdirSync(scenariosDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A scenario by name (simulators/scenarios/NAME.yaml) or by path. */
export function scenarioFile(nameOrFile: string): string {
  if (nameOrFile.endsWith('.yaml') || nameOrFile.includes('/')) return resolve(nameOrFile);
  const f = join(scenariosDir(), `${nameOrFile}.yaml`);
  if (!existsSync(f)) throw new ScenarioError([{ file: f, path: '', message: `no scenario "${nameOrFile}"; known: ${listScenarios().join(', ')}` }]);
  return f;
}

function scheduleOf(s: MachineEntry['schedule']): ScheduleSpec {
  if (s === 'continuous') return { type: 'continuous' };
  if ('cycle' in s) return { type: 'cycle', on: s.cycle.on, off: s.cycle.off, offset: s.cycle.offset };
  const days = s.days === 'mon-fri' ? [1, 2, 3, 4, 5] : s.days === 'mon-sat' ? [1, 2, 3, 4, 5, 6] : s.days === 'every-day' ? [0, 1, 2, 3, 4, 5, 6] : s.days.map((d) => DAY_NAMES.indexOf(d));
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return { type: 'shifts', days, windows: s.shifts.map((w) => ({ from: minutes(w.slice(0, 5)), to: minutes(w.slice(6)) })) };
}

/**
 * Reads, validates and builds a scenario: zod for the shape, then what needs the models (signal
 * names, degradations that fit the machine, ground-truth crossings the expectations name). All
 * problems come back at once, with file, line and path.
 */
export function loadScenario(nameOrFile: string, opts: { start?: number } = {}): Scenario {
  const file = scenarioFile(nameOrFile);
  const { value: def, at } = readValidated(file, scenarioSchema);
  const problems: ScenarioProblem[] = [];
  // `start` moves the whole scenario in time (the demo continues after a restart); offsets stay.
  const start = opts.start ?? Date.parse(def.start);
  const end = start + def.duration;
  const machines: SimMachine[] = [];
  def.machines.forEach((e, i) => {
    let machine: Machine;
    try {
      machine = createMachine(
        e.model,
        machineSpec({
          id: e.id,
          name: e.name ?? e.id,
          seed: e.seed ?? streamOf(`${def.seed}/${e.id}`),
          origin: start,
          schedule: scheduleOf(e.schedule),
          load: e.load ?? DEFAULT_LOAD,
          ambient: def.ambient ?? DEFAULT_AMBIENT,
          iso: e.iso ?? { group: 2, foundation: 'rigid' },
          params: e.params,
          degradations: e.degradations.map((d) => ({ ...d, start: start + d.start })),
        }),
      );
    } catch (err) {
      problems.push(at(['machines', i, /parameter/.test(String(err)) ? 'params' : 'degradations'], (err as Error).message));
      return;
    }
    const known = machine.signals.map((s) => s.id);
    const check = (signal: string, path: PropertyKey[]) => {
      if (!known.includes(signal)) problems.push(at(['machines', i, ...path], `unknown signal "${signal}": a ${e.model} has ${known.join(', ')}`));
    };
    e.signals?.forEach((s, j) => check(s, ['signals', j]));
    const signals = e.signals ? machine.signals.filter((s) => e.signals!.includes(s.id)) : [...machine.signals];
    const base = e.interval ?? def.sampleInterval;
    const interval = new Map(signals.map((s) => [s.id, base]));
    e.faults.forEach((f, j) => {
      if (f.type === 'slow') {
        f.signals?.forEach((s, k) => check(s, ['faults', j, 'signals', k]));
        for (const s of f.signals ?? known) if (interval.has(s)) interval.set(s, f.interval);
      } else {
        check(f.signal, ['faults', j, 'signal']);
        if (e.signals && !e.signals.includes(f.signal)) problems.push(at(['machines', i, 'faults', j, 'signal'], `"${f.signal}" is not among the signals this machine serves`));
        if (f.type === 'word-swap' && machine.signal(f.signal)?.kind !== 'analog') problems.push(at(['machines', i, 'faults', j, 'signal'], 'word-swap applies to a float (analog) signal'));
      }
    });
    machines.push({ entry: e, machine, protocol: e.protocol, signals, interval, faults: e.faults });
  });
  if (problems.length) throw new ScenarioError(problems);

  const truth = machines.flatMap((m) => groundTruth(m.machine, start, end));
  const crossings = new Map<string, number | undefined>();
  for (const t of truth) for (const c of t.crossings) crossings.set(c.id, crossings.has(c.id) ? crossings.get(c.id) : c.at);
  for (const m of machines) for (const [id, at] of runHourCrossings(m, def.runHourMarks, start, end)) crossings.set(id, at);
  const checkRef = (r: TimeRef | undefined, path: PropertyKey[]) => {
    if (r?.crossing && !crossings.has(r.crossing)) problems.push(at(path, `no ground-truth crossing "${r.crossing}"; this scenario has ${[...crossings.keys()].join(', ') || 'none (no degradations)'}`));
  };
  def.expect.orders.forEach((o, i) => {
    checkRef(o.after, ['expect', 'orders', i, 'after']);
    checkRef(o.before, ['expect', 'orders', i, 'before']);
    if (!machines.some((m) => m.entry.id === o.asset)) problems.push(at(['expect', 'orders', i, 'asset'], `no machine "${o.asset}" in this scenario`));
  });
  if (problems.length) throw new ScenarioError(problems);
  const scale = def.timeScale ?? def.duration / def.wallTime!;
  return { file, def, start, end, scale, machines, truth, crossings, rules: def.rules.map((r) => resolve(dirname(file), r)) };
}

/** When the machine's run hours (as a gateway meter counts them from `running`) first reach each mark. */
function runHourCrossings(m: SimMachine, marks: readonly number[], start: number, end: number): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  if (!marks.length || !m.signals.some((s) => s.id === 'running')) return out;
  const usage = new UsageCounter(m.machine.spec.schedule, start);
  for (const mark of marks) {
    let at: number | undefined;
    for (let t = start; t <= end; t += 60_000) if (usage.at(t).runHours >= mark) {
      at = t;
      break;
    }
    out.set(crossingId(m.entry.id, 'run_hours', mark), at);
  }
  return out;
}

/** A time reference resolved against the scenario: ms since the epoch, or undefined when its crossing never happens. */
export function resolveRef(s: Scenario, r: TimeRef): number | undefined {
  if (!r.crossing) return s.start + r.offset;
  const at = s.crossings.get(r.crossing);
  return at === undefined ? undefined : at + r.offset;
}
