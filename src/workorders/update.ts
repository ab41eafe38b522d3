import { createHash } from 'node:crypto';
import type { Priority } from '../core/priority.js';
import type { Evidence } from '../rules/evidence.js';

/** One alarm episode folded into an open order. */
export interface UpdateEvent {
  /** When the alarm raised (or came back from a shelve or out of service), ISO 8601. */
  ts: string;
  rule: { id: string; name: string; episode: number };
  priority: Priority;
  /** What happened, in a sentence a planner reads. */
  note: string;
  evidence: Evidence;
}

/**
 * A change to an order already made, as every target receives it; the webhook posts exactly this
 * JSON (`X-CBM-Event: work_order.updated`). It names the order by the same `id` and
 * `orderIdempotencyKey` the order was sent with, and carries its own `idempotencyKey`, so a
 * receiver applies it once. Fields are only ever added, never renamed (docs/targets.md).
 */
export interface OrderUpdate {
  event: 'work_order.updated';
  /** The updated order's id (as sent with it). */
  id: string;
  orderIdempotencyKey: string;
  /** One per update: the order's key and the update's sequence number, hashed. */
  idempotencyKey: string;
  /** 1 for the order's first update, then 2, … */
  sequence: number;
  gatewayId: string;
  site: { id: string; name: string };
  asset: { id: string; name: string; path: string };
  /** The order's priority after this update (raised when a more urgent rule of its group joined). */
  priority: Priority;
  previousPriority: Priority;
  escalated: boolean;
  /** Time of the latest event folded in (ISO 8601). */
  at: string;
  /** One dated line per event, oldest first: what a CMMS appends to the order's log. */
  note: string;
  events: UpdateEvent[];
}

export function updateKey(orderKey: string, sequence: number): string {
  return `cbm-u-${createHash('sha256').update(`${orderKey}\u0000update\u0000${sequence}`).digest('hex').slice(0, 30)}`;
}

/** Folds `next` into a pending update that has not gone out yet (same key and sequence). */
export function mergeUpdates(pending: OrderUpdate, next: OrderUpdate): OrderUpdate {
  const priority = Math.min(pending.priority, next.priority) as Priority;
  return {
    ...pending,
    priority,
    escalated: priority < pending.previousPriority,
    at: next.at,
    note: `${pending.note}\n${next.note}`,
    events: [...pending.events, ...next.events],
  };
}
