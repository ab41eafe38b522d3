import { stateName } from '../alarms/lifecycle.js';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { isoTime } from '../core/timestamp.js';
import type { LoadedConfig } from '../config/load.js';
import { alarmCommands, type AlarmCommands } from '../pipeline/commands.js';
import { Stages } from '../pipeline/stages.js';
import type { RecordedSample } from '../rules/samples-file.js';
import { openStore } from '../store/db.js';

export interface ReplayEvent {
  /** `update`: an open order of the group was updated; `held`: the flood guard held the order back. */
  type: 'alarm' | 'workorder' | 'update' | 'held';
  ts: string;
  rule: string;
  asset: string;
  priority: number;
  episode: number;
  /** Alarms: the change and the state it left the alarm in. */
  change?: string;
  state?: string;
  /** Work orders: the title as it would be sent; updates: their note. */
  title?: string;
  /** Updates and held orders: the order they update or the flood order that lists them. */
  order?: string;
}

export interface ReplayOptions {
  /** The gateway's tick period (time-driven rules, delays, shelve expiry). Default 1 s. */
  tickMs?: number;
  /** Keep ticking this long after the last sample (to see delayed clears, staleness). */
  tailMs?: number;
  /** Operator actions at given times, e.g. a shelve. */
  actions?: { ts: number; do: (c: AlarmCommands) => void }[];
}

/**
 * Replays recorded samples through the real pipeline (range checks, rules, alarm lifecycle,
 * outbox in an in-memory SQLite) with the recorded timestamps, ticking as the gateway does, and
 * returns the alarm timeline and the work orders that would have been created.
 */
export function backtest(loaded: LoadedConfig, ruleFiles: readonly string[], samples: readonly RecordedSample[], o: ReplayOptions = {}): ReplayEvent[] {
  const tickMs = o.tickMs ?? 1000;
  const cfg = loaded.config;
  const t0 = samples[0]?.ts ?? 0;
  const clock = new ManualClock(t0);
  const db = openStore(':memory:');
  const events: ReplayEvent[] = [];
  const stages = new Stages({
    config: cfg,
    db,
    clock,
    log: silentLogger,
    startedAt: t0,
    targetIds: () => [],
    onCommitted: (changes) => {
      for (const { transition: t, actions } of changes) {
        const base = { ts: isoTime(t.ts), rule: t.ruleId, asset: t.assetId, priority: t.priority, episode: t.state.episode };
        events.push({ type: 'alarm', ...base, change: t.change, state: stateName(t.state) });
        for (const a of actions) {
          if (a.kind === 'create') events.push({ type: 'workorder', ...base, rule: a.order.rule.id, priority: a.order.priority, title: a.order.title });
          else if (a.kind === 'update') events.push({ type: 'update', ...base, priority: a.update.priority, title: a.update.note, order: a.update.id });
          else events.push({ type: 'held', ...base, title: a.order.title, order: a.floodOrderId });
        }
      }
    },
  });
  stages.loadRules(ruleFiles);
  const { pipeline } = stages;
  const commands = alarmCommands(stages, clock);
  const actions = [...(o.actions ?? [])].sort((a, b) => a.ts - b.ts);
  let nextTick = t0 + tickMs;
  const advanceTo = (ts: number) => {
    // A long gap between samples: skip the ticks in which nothing can change but the clock.
    if ((ts - nextTick) / tickMs > 10_000) nextTick += Math.floor((ts - nextTick) / tickMs - 10_000) * tickMs;
    while (nextTick <= ts) {
      while (actions.length && actions[0]!.ts <= nextTick) {
        clock.set(actions[0]!.ts);
        actions.shift()!.do(commands);
        pipeline.flush();
      }
      clock.set(nextTick);
      pipeline.tick(nextTick);
      nextTick += tickMs;
    }
    while (actions.length && actions[0]!.ts <= ts) {
      clock.set(actions[0]!.ts);
      actions.shift()!.do(commands);
      pipeline.flush();
    }
    clock.set(ts);
  };
  for (const s of samples) {
    advanceTo(s.ts);
    pipeline.ingest([{ tag: `${s.asset}/${s.tag}`, ts: s.ts, value: s.value, quality: 'Good' }]);
  }
  const last = samples[samples.length - 1]?.ts ?? t0;
  advanceTo(last + (o.tailMs ?? 0));
  db.close();
  return events;
}

export function formatEvent(e: ReplayEvent): string {
  if (e.type === 'workorder') return `${e.ts}  WORK ORDER  P${e.priority}  ${e.asset}  ${e.rule}  #${e.episode}  ${e.title}`;
  if (e.type === 'update') return `${e.ts}  ORDER UPDATE  P${e.priority}  ${e.asset}  ${e.rule}  #${e.episode}  ${e.title}`;
  if (e.type === 'held') return `${e.ts}  ORDER HELD (flood)  P${e.priority}  ${e.asset}  ${e.rule}  #${e.episode}  ${e.title}`;
  return `${e.ts}  alarm ${e.change!.padEnd(16)} ${e.asset}  ${e.rule}  P${e.priority}  #${e.episode}  → ${e.state}`;
}
