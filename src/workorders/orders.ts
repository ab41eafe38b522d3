import type { AlarmTransition } from '../alarms/book.js';
import type { AssetInfo } from '../core/asset.js';
import type { Priority } from '../core/priority.js';
import { formatValue } from '../core/template.js';
import { isoTime } from '../core/timestamp.js';
import type { Evidence } from '../rules/evidence.js';
import type { RuleConfig } from '../rules/schema.js';
import { OrderBook, type FloodPolicy, type OpenOrder } from './consolidation.js';
import { buildFloodOrder, buildWorkOrder, type WorkOrder } from './model.js';
import type { OrderUpdate, UpdateEvent } from './update.js';

/** An update before the outbox numbers it (a pending update it merges into keeps its number). */
export type UpdateDraft = Omit<OrderUpdate, 'sequence' | 'idempotencyKey'>;

/** What an alarm transition makes happen to work orders, as values for the committer. */
export type OrderAction =
  /** A new order (a condition order, or the flood order that lists held ones). */
  | { kind: 'create'; order: WorkOrder; groupKey: string; orderKind: 'condition' | 'flood' }
  /** A change to an open order: another episode of its group, an escalation, a held order for a flood order. */
  | { kind: 'update'; update: UpdateDraft; notBefore: number }
  /** An order the flood guard held back: kept for the record, never sent; the flood order lists it. */
  | { kind: 'held'; order: WorkOrder; groupKey: string; floodOrderId: string };

export interface OrderMakerDeps {
  gatewayId: string;
  site: { id: string; name: string };
  /** The store's install id: scopes idempotency keys (src/store/meta.ts). */
  installId: string;
  asset(id: string): AssetInfo | undefined;
  consolidation: { renotify: number; updateEvery: number };
  flood: FloodPolicy;
  /** An order that could not be built (its transition is still committed); reported, counted. */
  onError?: (key: string, err: unknown) => void;
}

/** Open orders as the store has them, for {@link OrderMaker.restore}. */
export interface StoredOpenOrder extends OpenOrder {
  assetId: string;
}

/**
 * The work-order stage's entry: decides what each alarm transition that asks for an order does.
 * One open order per problem: while an order of a rule's failure-mode `group` is open on the
 * asset (not completed or cancelled in the CMMS; or younger than `renotify` where no status comes
 * back), further episodes of the group update it (priority raised when the new rule is more
 * urgent, evidence and a dated note appended) instead of ordering anew. A flood guard (EEMUA 191)
 * holds new orders beyond `flood.count` within `flood.window` for an asset or an area, and one
 * "alarm flood" order lists what it held.
 */
export class OrderMaker {
  /** Rules by id; a reload adds and replaces, so a transition queued just before it still finds its rule. */
  private readonly rules = new Map<string, RuleConfig>();
  readonly book: OrderBook;
  /** Orders that could not be built. */
  errors = 0;
  readonly counts = { created: 0, updates: 0, held: 0, floods: 0 };

  constructor(private readonly d: OrderMakerDeps) {
    this.book = new OrderBook(d.flood);
  }

  /** The rules that are running now (after each load). */
  setRules(rules: Iterable<RuleConfig>): void {
    for (const r of rules) this.rules.set(r.id, r);
  }

  /** Open orders and flood numbering from the store, at start. */
  restore(open: readonly StoredOpenOrder[], recentCreates: readonly { assetId: string; ts: number }[], floodEpisodes: readonly { scope: string; n: number }[]): void {
    for (const o of open) this.book.add(o);
    for (const c of recentCreates) {
      const asset = this.d.asset(c.assetId);
      if (asset) this.book.noteCreated(scopesOf(asset), c.ts);
    }
    for (const f of floodEpisodes) this.book.restoreFloodEpisodes(f.scope, f.n);
  }

  /** What each transition makes happen to orders (none for most), in the same order. */
  make(transitions: readonly AlarmTransition[], now: number): OrderAction[][] {
    return transitions.map((t) => {
      if (!t.order) return [];
      try {
        const rule = this.rules.get(t.ruleId);
        const asset = this.d.asset(t.assetId);
        if (!rule || !asset) throw new Error(`no ${rule ? `asset "${t.assetId}"` : `rule "${t.ruleId}"`} for the order of ${t.key}`);
        return this.decide(t, rule, asset, now);
      } catch (e) {
        this.errors++;
        this.d.onError?.(t.key, e);
        return [];
      }
    });
  }

  private decide(t: AlarmTransition, rule: RuleConfig, asset: AssetInfo, now: number): OrderAction[] {
    const groupKey = `${asset.id}/${rule.group ?? rule.id}`;
    const open = rule.rearm === 'completion' ? this.book.find(groupKey, now, this.renotify(rule)) : undefined;
    if (open) return [this.update(open, asset, event(t, rule), now)];
    const order = buildWorkOrder(t, rule, asset, { gatewayId: this.d.gatewayId, site: this.d.site, installId: this.d.installId, now });
    const scopes = scopesOf(asset);
    const flooded = this.book.flooded(scopes, now);
    if (flooded) return this.hold(order, groupKey, flooded, asset, now);
    this.book.add({ orderId: order.id, key: order.idempotencyKey, groupKey, ruleId: rule.id, kind: 'condition', priority: order.priority, createdAt: now, statusSeen: false, lastUpdateAt: undefined });
    this.book.noteCreated(scopes, now);
    this.counts.created++;
    return [{ kind: 'create', order, groupKey, orderKind: 'condition' }];
  }

  private renotify(rule: RuleConfig | undefined): number {
    return rule?.renotify ?? this.d.consolidation.renotify;
  }

  /** An update of `open`; escalations go at once, the rest at most every `updateEvery`. */
  private update(open: OpenOrder, asset: AssetInfo, ev: UpdateEvent, now: number): OrderAction {
    const previous = open.priority;
    const priority = Math.min(previous, ev.priority) as Priority;
    const escalated = priority < previous;
    open.priority = priority;
    // The last update is never taken as later than now: after the wall clock stepped back (before
    // the step is seen and the book's instants moved) it lies ahead, and the update would wait for
    // the step on top of `updateEvery` in a delivery row that the step no longer moves.
    const last = Math.min(open.lastUpdateAt ?? open.createdAt, now);
    const notBefore = escalated ? now : Math.max(now, last + this.d.consolidation.updateEvery);
    open.lastUpdateAt = notBefore;
    this.counts.updates++;
    const note = escalated ? `${ev.note} Priority raised from P${previous} to P${priority}.` : ev.note;
    return {
      kind: 'update',
      notBefore,
      update: {
        event: 'work_order.updated',
        id: open.orderId,
        orderIdempotencyKey: open.key,
        gatewayId: this.d.gatewayId,
        site: this.d.site,
        asset: { id: asset.id, name: asset.name, path: asset.path },
        priority,
        previousPriority: previous,
        escalated,
        at: ev.ts,
        note,
        events: [{ ...ev, note }],
      },
    };
  }

  /** The flood guard holds `order`: recorded as held, listed on the scope's flood order. */
  private hold(order: WorkOrder, groupKey: string, scope: string, asset: AssetInfo, now: number): OrderAction[] {
    this.counts.held++;
    const heldEvent: UpdateEvent = {
      ts: order.evidence.ts,
      rule: order.rule,
      priority: order.priority,
      note: `${isoTime(now)}: held by the flood guard: ${order.title} (P${order.priority}).`,
      evidence: order.evidence,
    };
    const flood = this.book.floodOrder(scope);
    if (flood) return [{ kind: 'held', order, groupKey, floodOrderId: flood.orderId }, this.update(flood, asset, heldEvent, now)];
    const f = buildFloodOrder(scope, this.scopeName(scope, asset), this.book.nextFloodEpisode(scope), order, { gatewayId: this.d.gatewayId, site: this.d.site, installId: this.d.installId, now }, this.d.flood);
    this.book.add({ orderId: f.id, key: f.idempotencyKey, groupKey: `flood:${scope}`, ruleId: f.rule.id, kind: 'flood', priority: f.priority, createdAt: now, statusSeen: false, lastUpdateAt: undefined });
    this.counts.floods++;
    return [
      { kind: 'create', order: f, groupKey: `flood:${scope}`, orderKind: 'flood' },
      { kind: 'held', order, groupKey, floodOrderId: f.id },
    ];
  }

  private scopeName(scope: string, asset: AssetInfo): string {
    if (scope.startsWith('asset/')) return `${asset.name} (${asset.id})`;
    const area = asset.location.find((l) => l.level === 'area');
    return `area ${area?.name ?? scope.slice(5)}`;
  }

  /** The CMMS reported a status for an order (inbound or polled). */
  statusChanged(orderId: string, status: string): void {
    this.book.status(orderId, status === 'completed' || status === 'cancelled');
  }
}

/** The flood scopes of an asset: itself, and its area when it has one. */
export function scopesOf(asset: AssetInfo): string[] {
  const area = asset.location.find((l) => l.level === 'area');
  return area ? [`asset/${asset.id}`, `area/${area.id}`] : [`asset/${asset.id}`];
}

function event(t: AlarmTransition, rule: RuleConfig): UpdateEvent {
  const evidence: Evidence = t.evidence ?? { ts: isoTime(t.ts), values: [], limits: [] };
  const what = t.change === 'raised' ? 'raised' : t.change === 'unshelved' ? 'is active after its shelve ended' : 'is active back in service';
  const first = evidence.limits[0];
  const reading = first ? ` (${first.tag} ${formatValue(first.value)}${first.unit ? ` ${first.unit}` : ''} ${OPS[first.operator] ?? first.operator} ${formatValue(first.limit)})` : '';
  return {
    ts: evidence.ts,
    rule: { id: rule.id, name: rule.name, episode: t.state.episode },
    priority: rule.priority,
    note: `${isoTime(t.ts)}: ${rule.name} ${what}, episode ${t.state.episode}${reading}.`,
    evidence,
  };
}

const OPS: Record<string, string> = { greaterThan: '>', greaterThanInclusive: '≥', lessThan: '<', lessThanInclusive: '≤', equal: '=', notEqual: '≠' };
