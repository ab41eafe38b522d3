import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import type { Sample } from '../core/sample.js';
import type { LoadedConfig } from '../config/load.js';
import { alarmCommands } from '../pipeline/commands.js';
import { Stages } from '../pipeline/stages.js';
import { tableOf, type SampleTable } from '../rules/sample-table.js';
import type { RecordedSample } from '../rules/samples-file.js';
import type { Catalog } from '../tags/catalog.js';
import { openStore } from '../store/db.js';
import { Clockwork, type ReplayAction } from './clockwork.js';
import { eventsOf, type ReplayEvent } from './events.js';

export { formatEvent, type ReplayEvent } from './events.js';
export type { ReplayAction } from './clockwork.js';

export interface ReplayOptions {
  /** The gateway's tick period (time-driven rules, delays, shelve expiry). Default 1 s. */
  tickMs?: number;
  /** Keep time going this long after the last sample (to see delayed clears, staleness). */
  tailMs?: number;
  /** Operator actions at given times, e.g. a shelve. */
  actions?: ReplayAction[];
  /**
   * `events` (default): from one time at which something can change to the next; `ticks`: every
   * tick, as the gateway does (slow over long spans; the reference `events` is tested against).
   */
  mode?: 'events' | 'ticks';
  /** Longest time between checks of timed rules (windows, staleness) in `events` mode. Default 60 s. */
  timedStepMs?: number;
}

/** Samples of series the site does not have: per unknown asset, and per unknown tag of a known asset. */
export interface UnknownSeries {
  assets: { asset: string; samples: number }[];
  tags: { asset: string; tag: string; samples: number; meter: boolean }[];
}

export interface ReplayResult {
  events: ReplayEvent[];
  /** Samples in the input, replayed (known tags), and of them Bad (no number). */
  samples: number;
  replayed: number;
  bad: number;
  /** Not replayed: their asset or tag is not in the site. */
  unknown: UnknownSeries;
  /** Time span of the replay (first sample to last sample plus tail), epoch ms. */
  from: number;
  to: number;
  /** Ticks run, and timed-rule checks made between samples (work, not results). */
  ticks: number;
  timedChecks: number;
}

/** The catalog index of each series of `table` (-1: not in the site), and what is unknown. */
export function resolveSeries(table: SampleTable, catalog: Catalog): { index: Int32Array; unknown: UnknownSeries } {
  const index = seriesIndex(table, catalog);
  const counts = new Map<string, { asset: string; tag: string; samples: number }>();
  countUnknown(table, index, counts);
  return { index, unknown: unknownOf(counts, catalog) };
}

function seriesIndex(table: SampleTable, catalog: Catalog): Int32Array {
  return Int32Array.from(table.names, (n) => catalog.tag(`${n.asset}/${n.tag}`)?.index ?? -1);
}

function countUnknown(table: SampleTable, index: Int32Array, into: Map<string, { asset: string; tag: string; samples: number }>): void {
  if (!index.includes(-1)) return;
  const counts = new Float64Array(table.names.length);
  for (let i = 0; i < table.length; i++) counts[table.series[i]!]!++;
  table.names.forEach((n, s) => {
    if (index[s] !== -1 || counts[s] === 0) return;
    const key = `${n.asset}/${n.tag}`;
    const c = into.get(key);
    if (c) c.samples += counts[s]!;
    else into.set(key, { asset: n.asset, tag: n.tag, samples: counts[s]! });
  });
}

function unknownOf(counts: Map<string, { asset: string; tag: string; samples: number }>, catalog: Catalog): UnknownSeries {
  const assets = new Map<string, number>();
  const tags: UnknownSeries['tags'] = [];
  for (const c of counts.values()) {
    if (!catalog.asset(c.asset)) assets.set(c.asset, (assets.get(c.asset) ?? 0) + c.samples);
    else tags.push({ ...c, meter: catalog.meter(`${c.asset}/${c.tag}`) !== undefined });
  }
  return { assets: [...assets].map(([asset, samples]) => ({ asset, samples })), tags };
}

/**
 * Replays recorded samples through the real pipeline (range checks, rules, alarm lifecycle, work
 * orders, outbox in an in-memory SQLite) at their recorded times, with time between them moving
 * as the gateway's ticker moves it, and returns what happened. Samples of assets or tags the site
 * does not have are not replayed (counted in `unknown`); samples without a number (NaN) go in as
 * Bad samples, as the gateway takes an unreadable value.
 */
export function replay(loaded: LoadedConfig, ruleFiles: readonly string[], input: SampleTable | Iterable<SampleTable>, o: ReplayOptions = {}): ReplayResult {
  const tickMs = o.tickMs ?? 1000;
  // A long replay comes in chunks (a month at a time, say), in time order.
  const chunks = ('ts' in input ? [input] : input)[Symbol.iterator]();
  let chunk = chunks.next();
  const t0 = chunk.done ? 0 : (chunk.value.ts[0] ?? 0);
  const clock = new ManualClock(t0);
  const db = openStore(':memory:');
  const events: ReplayEvent[] = [];
  try {
    const stages = new Stages({ config: loaded.config, db, clock, log: silentLogger, startedAt: t0, targetIds: () => [], onCommitted: (changes) => eventsOf(changes, events) });
    stages.loadRules(ruleFiles);
    const { pipeline, catalog } = stages;
    const work = new Clockwork(stages, clock, alarmCommands(stages, clock), t0, o.actions ?? [], { tickMs, mode: o.mode ?? 'events', timedStepMs: o.timedStepMs ?? 60_000 });
    const unknown = new Map<string, { asset: string; tag: string; samples: number }>();
    // One sample object and batch for every sample: the pipeline copies what it keeps.
    const s: Sample = { tag: '', ts: 0, value: 0, quality: 'Good', index: 0 };
    const one = [s];
    let now = Number.NaN;
    let last = t0;
    let samples = 0;
    let replayed = 0;
    let bad = 0;
    let names: SampleTable['names'] | undefined;
    let index: Int32Array = new Int32Array(0);
    let keys: string[] = [];
    for (; !chunk.done; chunk = chunks.next()) {
      const table = chunk.value;
      if (table.names !== names) {
        names = table.names;
        index = seriesIndex(table, catalog);
        keys = names.map((n) => `${n.asset}/${n.tag}`);
      }
      countUnknown(table, index, unknown);
      samples += table.length;
      for (let i = 0; i < table.length; i++) {
        const series = table.series[i]!;
        const idx = index[series]!;
        if (idx < 0) continue;
        const ts = table.ts[i]!;
        if (ts !== now) work.advanceTo((now = ts));
        const v = table.value[i]!;
        s.tag = keys[series]!;
        s.ts = ts;
        s.value = v;
        s.index = idx;
        if (v === v) s.quality = 'Good';
        else (s.quality = 'Bad'), bad++;
        pipeline.ingest(one);
        replayed++;
      }
      if (table.length) last = table.ts[table.length - 1]!;
    }
    const to = last + (o.tailMs ?? 0);
    work.advanceTo(to);
    return { events, samples, replayed, bad, unknown: unknownOf(unknown, catalog), from: t0, to, ticks: work.ticks, timedChecks: work.timedChecks };
  } finally {
    db.close();
  }
}

/**
 * Replays samples given as objects and returns the alarm timeline and the work orders that would
 * have been created (see {@link replay}).
 */
export function backtest(loaded: LoadedConfig, ruleFiles: readonly string[], samples: readonly RecordedSample[] | SampleTable, o: ReplayOptions = {}): ReplayEvent[] {
  return replay(loaded, ruleFiles, 'ts' in samples && !Array.isArray(samples) ? (samples as SampleTable) : tableOf(samples as readonly RecordedSample[]), o).events;
}
