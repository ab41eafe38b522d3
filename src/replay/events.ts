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
  /** Work orders, updates and held orders: the title as it would be sent. */
  title?: string;
}

/**
 * The events of one commit: each alarm change, then the order it made. This is the one place
 * that turns the pipeline's committed changes into replay events: order updates and flood holds
 * are added here (types `update` and `held`) once the work-order stage reports them.
 */
export function eventsOf(changes: readonly Change[], out: ReplayEvent[]): void {
  for (const { transition: t, order } of changes) {
    const base = { ts: isoTime(t.ts), rule: t.ruleId, asset: t.assetId, priority: t.priority, episode: t.state.episode };
    out.push({ type: 'alarm', ...base, change: t.change, state: stateName(t.state) });
    if (order) out.push({ type: 'workorder', ...base, title: order.title });
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
