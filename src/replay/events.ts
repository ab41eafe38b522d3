import { stateName } from '../alarms/lifecycle.js';
import { isoTime } from '../core/timestamp.js';
import type { Change } from '../pipeline/commit.js';

/**
 * What a replay saw, in time order, as `rules test --json` prints it (one JSON object a line):
 * - `alarm`: an alarm change and the state it left the alarm in;
 * - `workorder`: a new work order, with its title as it would be sent;
 * - `update`: an update of an open order (a further episode of the same problem; order
 *   consolidation), `priority` the order's priority after it;
 * - `held`: an order the flood guard held back.
 * Fields are only ever added.
 */
export interface ReplayEvent {
  type: 'alarm' | 'workorder' | 'update' | 'held';
  ts: string;
  rule: string;
  asset: string;
  priority: number;
  episode: number;
  /** Alarms: the change and the state it left the alarm in. */
  change?: string;
  state?: string;
  /** Work orders and held orders: the title as it would be sent; updates: their note. */
  title?: string;
  /** Updates and held orders: the order they update or the flood order that lists them. */
  order?: string;
}

/**
 * The events of one commit: each alarm change, then what it did to orders (a new order, an
 * update of an open one, an order the flood guard held). This is the one place that turns the
 * pipeline's committed changes into replay events.
 */
export function eventsOf(changes: readonly Change[], out: ReplayEvent[]): void {
  for (const { transition: t, actions } of changes) {
    const base = { ts: isoTime(t.ts), rule: t.ruleId, asset: t.assetId, priority: t.priority, episode: t.state.episode };
    out.push({ type: 'alarm', ...base, change: t.change, state: stateName(t.state) });
    for (const a of actions) {
      if (a.kind === 'create') out.push({ type: 'workorder', ...base, rule: a.order.rule.id, priority: a.order.priority, title: a.order.title });
      else if (a.kind === 'update') out.push({ type: 'update', ...base, priority: a.update.priority, title: a.update.note, order: a.update.id });
      else out.push({ type: 'held', ...base, title: a.order.title, order: a.floodOrderId });
    }
  }
}

export function formatEvent(e: ReplayEvent): string {
  switch (e.type) {
    case 'workorder':
      return `${e.ts}  WORK ORDER  P${e.priority}  ${e.asset}  ${e.rule}  #${e.episode}  ${e.title}`;
    case 'update':
      return `${e.ts}  ORDER UPDATE  P${e.priority}  ${e.asset}  ${e.rule}  #${e.episode}  ${e.title ?? ''}`;
    case 'held':
      return `${e.ts}  ORDER HELD (flood)  P${e.priority}  ${e.asset}  ${e.rule}  #${e.episode}  ${e.title ?? ''}`;
    default:
      return `${e.ts}  alarm ${e.change!.padEnd(16)} ${e.asset}  ${e.rule}  P${e.priority}  #${e.episode}  → ${e.state}`;
  }
}
