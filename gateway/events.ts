import { stateName } from '../src/alarms/lifecycle.js';
import { isoTime } from '../src/core/timestamp.js';
import type { Change } from '../src/pipeline/commit.js';
import type { OrderStatusEvent } from '../src/workorders/status.js';

export const EVENT_TYPES = ['alarm', 'order', 'health'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One event as `GET /api/events` sends it: `id` rises by one per event, for `Last-Event-ID`. */
export interface GatewayEvent {
  id: number;
  type: EventType;
  data: unknown;
}

export type EventListener = (e: GatewayEvent) => void;

/**
 * What the page hears without polling: alarm changes and order changes as they are committed,
 * health changes as the health model publishes them. The bus keeps at least the newest `keep` events so a
 * client that reconnects with `Last-Event-ID` gets what it missed. Listeners run synchronously
 * in publish order; one that throws is dropped and does not affect the others.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly ring: GatewayEvent[] = [];
  private next = 1;

  constructor(private readonly keep = 1000) {}

  /** Publishes an event (the health model calls `publish('health', { asset, score, … })`). */
  publish(type: EventType, data: unknown): void {
    const e: GatewayEvent = { id: this.next++, type, data };
    this.ring.push(e);
    // Trimmed in batches (amortised O(1) per event): between `keep` and twice as many are kept.
    if (this.ring.length >= 2 * this.keep) this.ring.splice(0, this.ring.length - this.keep);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        this.listeners.delete(l);
      }
    }
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Events after `id`, oldest first; undefined when some of them are no longer kept. */
  since(id: number): GatewayEvent[] | undefined {
    if (id >= this.next - 1) return [];
    const first = this.ring[0];
    if (!first || first.id > id + 1) return undefined;
    return this.ring.slice(id + 1 - first.id);
  }

  /** Alarm and order events from what one commit made durable (the pipeline's `onCommitted`). */
  committed(changes: readonly Change[]): void {
    for (const { transition: t, actions } of changes) {
      this.publish('alarm', {
        asset: t.assetId,
        rule: t.ruleId,
        change: t.change,
        state: stateName(t.state),
        priority: t.priority,
        episode: t.state.episode,
        active: t.state.active,
        acknowledged: t.state.acked,
        ts: isoTime(t.ts),
        by: t.by ?? null,
      });
      for (const a of actions) {
        if (a.kind === 'update') {
          const last = a.update.events.at(-1);
          this.publish('order', { kind: 'updated', id: a.update.id, asset: a.update.asset.id, rule: last?.rule.id ?? t.ruleId, priority: a.update.priority, escalated: a.update.escalated });
        } else {
          const o = a.order;
          this.publish('order', { kind: a.kind === 'create' ? 'created' : 'held', id: o.id, asset: o.asset.id, rule: o.rule.id, priority: o.priority, title: o.title, status: 'open' });
        }
      }
    }
  }

  /** An order status the CMMS reported (`Gateway.onOrderStatus`). */
  orderStatus(e: OrderStatusEvent): void {
    this.publish('order', { kind: 'status', id: e.order.id, asset: e.order.assetId, rule: e.order.ruleId, status: e.update.status, previous: e.previous, source: e.source, at: e.update.at });
  }
}
