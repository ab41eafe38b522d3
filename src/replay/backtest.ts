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
  const index = Int32Array.from(table.names, (n) => catalog.tag(`${n.asset}/${n.tag}`)?.index ?? -1);
  const counts = new Float64Array(table.names.length);
  for (let i = 0; i < table.length; i++) counts[table.series[i]!]!++;
  const assets = new Map<string, number>();
  const tags: UnknownSeries['tags'] = [];
  table.names.forEach((n, s) => {
    if (index[s] !== -1) return;
    if (!catalog.asset(n.asset)) assets.set(n.asset, (assets.get(n.asset) ?? 0) + counts[s]!);
    else tags.push({ asset: n.asset, tag: n.tag, samples: counts[s]!, meter: catalog.meter(`${n.asset}/${n.tag}`) !== undefined });
  });
  return { index, unknown: { assets: [...assets].map(([asset, samples]) => ({ asset, samples })), tags } };
}

/**
 * Replays recorded samples through the real pipeline (range checks, rules, alarm lifecycle, work
 * orders, outbox in an in-memory SQLite) at their recorded times, with time between them moving
 * as the gateway's ticker moves it, and returns what happened. Samples of assets or tags the site
 * does not have are not replayed (counted in `unknown`); samples without a number (NaN) go in as
 * Bad samples, as the gateway takes an unreadable value.
 */
export function replay(loaded: LoadedConfig, ruleFiles: readonly string[], table: SampleTable, o: ReplayOptions = {}): ReplayResult {
  const tickMs = o.tickMs ?? 1000;
  const cfg = loaded.config;
  const t0 = table.length ? table.ts[0]! : 0;
  const clock = new ManualClock(t0);
  const db = openStore(':memory:');
  const events: ReplayEvent[] = [];
  try {
    const stages = new Stages({ config: cfg, db, clock, log: silentLogger, startedAt: t0, targetIds: () => [], onCommitted: (changes) => eventsOf(changes, events) });
    stages.loadRules(ruleFiles);
    const { pipeline } = stages;
    const { index, unknown } = resolveSeries(table, stages.catalog);
    const keys = table.names.map((n) => `${n.asset}/${n.tag}`);
    const work = new Clockwork(stages, clock, alarmCommands(stages, clock), t0, o.actions ?? [], { tickMs, mode: o.mode ?? 'events', timedStepMs: o.timedStepMs ?? 60_000 });
    // One sample object and batch for every sample: the pipeline copies what it keeps.
    const s: Sample = { tag: '', ts: 0, value: 0, quality: 'Good', index: 0 };
    const one = [s];
    let now = Number.NaN;
    let replayed = 0;
    let bad = 0;
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
    const last = table.length ? table.ts[table.length - 1]! : t0;
    const to = last + (o.tailMs ?? 0);
    work.advanceTo(to);
    return { events, samples: table.length, replayed, bad, unknown, from: t0, to, ticks: work.ticks, timedChecks: work.timedChecks };
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
