import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import type { WorkOrder } from './model.js';
import type { Priority } from '../core/priority.js';
import type { StoredOpenOrder, UpdateDraft } from './orders.js';
import { mergeUpdates, updateKey, type OrderUpdate } from './update.js';

/**
 * `pending` waits for (re)delivery; `delivered` the target accepted it; `failed` the target refused
 * it for good (a 4xx); `dead` retries ran out (`maxAttempts` or `deadLetterAfter`); `cancelled` by
 * an operator. `failed` and `dead` keep the last error and can be retried by hand.
 */
export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dead' | 'cancelled';
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed', 'dead', 'cancelled'];

export interface Delivery {
  seq: number;
  orderId: string;
  /** 0: the order itself; n: the order's n-th update. */
  updateSeq: number;
  targetId: string;
  assetId: string;
  state: DeliveryState;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  externalId: string | null;
  createdAt: number;
  /** Where `deadLetterAfter` counts from: enqueue, or the last operator retry. */
  since: number;
  updatedAt: number;
  deliveredAt: number | null;
}

interface DeliveryRow {
  seq: number;
  order_id: string;
  update_seq: number;
  target_id: string;
  asset_id: string;
  state: DeliveryState;
  attempts: number;
  next_at: number;
  last_error: string | null;
  external_id: string | null;
  created_at: number;
  retry_since: number | null;
  updated_at: number;
  delivered_at: number | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  seq: r.seq,
  orderId: r.order_id,
  updateSeq: r.update_seq,
  targetId: r.target_id,
  assetId: r.asset_id,
  state: r.state,
  attempts: r.attempts,
  nextAt: r.next_at,
  lastError: r.last_error,
  externalId: r.external_id,
  createdAt: r.created_at,
  since: r.retry_since ?? r.created_at,
  updatedAt: r.updated_at,
  deliveredAt: r.delivered_at,
});

export interface WorkOrderRecord {
  order: WorkOrder;
  /** `condition` (an alarm's order), `flood` (the flood guard's), `held` (held back by a flood, never sent). */
  kind: 'condition' | 'flood' | 'held';
  /** The priority after its updates (escalations); the order's own is what it was sent with. */
  currentPriority: number;
  /** The status the CMMS last reported (`open` until it reports one). */
  status: string;
  statusAt: number | null;
  /** Its updates, oldest first. */
  updates: OrderUpdate[];
  /** Deliveries of the order (updateSeq 0) and of its updates. */
  deliveries: Delivery[];
}

/** What an operator command changed: the order it resolved to and how many deliveries moved. */
/**
 * Whether delivery `d` may go now as far as order goes: an order is the head of its (target,
 * asset) queue, so one asset's orders reach a target in the order they were made; an update waits
 * only for its own order and earlier updates on that target.
 */
const HEAD = `(CASE WHEN d.update_seq = 0
    THEN d.seq = (SELECT MIN(seq) FROM deliveries h WHERE h.target_id = d.target_id AND h.asset_id = d.asset_id AND h.state = 'pending' AND h.update_seq = 0)
    ELSE NOT EXISTS (SELECT 1 FROM deliveries c WHERE c.order_id = d.order_id AND c.target_id = d.target_id AND c.state = 'pending' AND c.update_seq < d.update_seq) END)`;

export interface CommandResult {
  orderId: string;
  changed: number;
}

/**
 * The work-order outbox in SQLite. `enqueue` runs inside the caller's transaction (the one that
 * records the alarm transition), so an order exists exactly when its alarm does. Delivery state
 * lives per order and target; one asset's orders reach a target in the order they were made.
 */
export class Outbox {
  private readonly insOrder;
  private readonly insDelivery;
  private readonly lastUpdateStmt;
  private readonly insUpdate;
  private readonly setUpdate;
  private readonly soonerStmt;
  private readonly orderUpdated;
  private readonly orderMeta;
  private readonly getUpdate;
  private readonly updatesOf;
  private readonly externalOf;
  /** The due query per LIMIT (see `due`). */
  private readonly dueStmts = new Map<number, Statement>();
  private readonly nextDueStmt;
  private readonly delivered;
  private readonly backoffStmt;
  private readonly failed;
  private readonly dead;
  private readonly getOrder;
  private readonly countsStmt;
  private readonly resolveStmt;
  private readonly retryStmt;
  private readonly cancelStmt;
  private readonly pendingStmt;

  constructor(private readonly db: Db) {
    this.insOrder = db.prepare(
      `INSERT INTO work_orders (id, idem_key, asset_id, rule_id, episode, priority, current_priority, title, payload, created_at, group_key, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (idem_key) DO NOTHING`,
    );
    this.insDelivery = db.prepare(
      `INSERT INTO deliveries (order_id, update_seq, target_id, asset_id, state, attempts, next_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
       ON CONFLICT (order_id, target_id, update_seq) DO NOTHING`,
    );
    this.lastUpdateStmt = db.prepare(
      `SELECT u.seq, u.payload, u.escalated,
              (SELECT COUNT(*) FROM deliveries d WHERE d.order_id = u.order_id AND d.update_seq = u.seq AND (d.state != 'pending' OR d.attempts > 0)) AS started
       FROM work_order_updates u WHERE u.order_id = ? ORDER BY u.seq DESC LIMIT 1`,
    );
    this.insUpdate = db.prepare(`INSERT INTO work_order_updates (order_id, seq, idem_key, priority, escalated, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.setUpdate = db.prepare(`UPDATE work_order_updates SET priority = ?, escalated = ?, payload = ? WHERE order_id = ? AND seq = ?`);
    this.soonerStmt = db.prepare(`UPDATE deliveries SET next_at = MIN(next_at, ?), updated_at = ? WHERE order_id = ? AND update_seq = ? AND state = 'pending'`);
    this.orderUpdated = db.prepare(`UPDATE work_orders SET current_priority = ?, updates = ?, last_update_at = ? WHERE id = ?`);
    this.orderMeta = db.prepare(`SELECT asset_id FROM work_orders WHERE id = ?`);
    this.getUpdate = db.prepare(`SELECT payload FROM work_order_updates WHERE order_id = ? AND seq = ?`);
    this.updatesOf = db.prepare(`SELECT payload FROM work_order_updates WHERE order_id = ? ORDER BY seq`);
    this.externalOf = db.prepare(`SELECT external_id FROM deliveries WHERE order_id = ? AND target_id = ? AND update_seq = 0`);
    // Only queue heads count: a later order due now still waits behind its asset's retrying head.
    // An update is not in that queue (it may wait for `updateEvery` without holding up new orders);
    // it goes once its order, and its earlier updates, are no longer pending on that target.
    this.nextDueStmt = db.prepare(
      `SELECT MIN(d.next_at) AS t FROM deliveries d
       WHERE d.state = 'pending' AND ${HEAD}`,
    );
    this.delivered = db.prepare(
      `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, external_id = ?, last_error = NULL, delivered_at = ?, updated_at = ? WHERE seq = ? AND state = 'pending'`,
    );
    this.backoffStmt = db.prepare(`UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_error = ?, updated_at = ? WHERE seq = ? AND state = 'pending'`);
    this.failed = db.prepare(`UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE seq = ? AND state = 'pending'`);
    this.dead = db.prepare(`UPDATE deliveries SET state = 'dead', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE seq = ? AND state = 'pending'`);
    this.getOrder = db.prepare(`SELECT payload FROM work_orders WHERE id = ?`);
    this.countsStmt = db.prepare(`SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state`);
    this.resolveStmt = db.prepare(
      `SELECT id FROM work_orders WHERE id = @ref OR idem_key = @ref
       UNION ALL SELECT order_id AS id FROM deliveries WHERE external_id = @ref LIMIT 1`,
    );
    // A retry starts the attempt count afresh, so `maxAttempts` applies again; a pending one is
    // simply made due now (skips the backoff wait).
    this.retryStmt = db.prepare(
      `UPDATE deliveries SET retry_since = CASE WHEN state = 'pending' THEN retry_since ELSE @now END,
         state = 'pending', attempts = CASE WHEN state = 'pending' THEN attempts ELSE 0 END, next_at = @now, updated_at = @now
       WHERE order_id = @id AND state IN ('pending', 'failed', 'dead')`,
    );
    this.cancelStmt = db.prepare(`UPDATE deliveries SET state = 'cancelled', updated_at = ? WHERE order_id = ? AND state IN ('pending', 'failed', 'dead')`);
    this.pendingStmt = db.prepare(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries WHERE state = 'pending'`);
  }

  /**
   * Records an order and one pending delivery per target. Returns false if an order with the
   * same idempotency key already exists (nothing is written then). A `held` order is recorded
   * without deliveries.
   */
  enqueue(order: WorkOrder, targetIds: readonly string[], now: number, meta: { groupKey: string; kind: 'condition' | 'flood' | 'held' } = { groupKey: `${order.asset.id}/${order.rule.id}`, kind: 'condition' }): boolean {
    const r = this.insOrder.run(order.id, order.idempotencyKey, order.asset.id, order.rule.id, order.rule.episode, order.priority, order.priority, order.title, JSON.stringify(order), now, meta.groupKey, meta.kind);
    if (r.changes === 0) return false;
    if (meta.kind !== 'held') for (const t of targetIds) this.insDelivery.run(order.id, 0, t, order.asset.id, now, now, now);
    return true;
  }

  /**
   * Records an update of an order: folded into the order's latest update while that one has not
   * gone out to any target yet (so a burst of raises makes one update), else a new update with
   * one pending delivery per target, due at `notBefore`. An escalation makes its update due now.
   * Returns the update as it stands.
   */
  enqueueUpdate(draft: UpdateDraft, targetIds: readonly string[], now: number, notBefore: number): OrderUpdate | undefined {
    const meta = this.orderMeta.get(draft.id) as { asset_id: string } | undefined;
    if (!meta) return undefined;
    const last = this.lastUpdateStmt.get(draft.id) as { seq: number; payload: string; escalated: number; started: number } | undefined;
    let u: OrderUpdate;
    if (last && last.started === 0) {
      u = mergeUpdates(JSON.parse(last.payload) as OrderUpdate, { ...draft, sequence: last.seq, idempotencyKey: '' });
      this.setUpdate.run(u.priority, u.escalated ? 1 : 0, JSON.stringify(u), draft.id, last.seq);
      if (draft.escalated) this.soonerStmt.run(now, now, draft.id, last.seq);
    } else {
      const seq = (last?.seq ?? 0) + 1;
      u = { ...draft, sequence: seq, idempotencyKey: updateKey(draft.orderIdempotencyKey, seq) };
      this.insUpdate.run(draft.id, seq, u.idempotencyKey, u.priority, u.escalated ? 1 : 0, JSON.stringify(u), now);
      for (const t of targetIds) this.insDelivery.run(draft.id, seq, t, meta.asset_id, draft.escalated ? now : notBefore, now, now);
    }
    this.orderUpdated.run(u.priority, u.sequence, now, draft.id);
    return u;
  }

  /**
   * What the work-order stage rebuilds at start: the open orders (not completed or cancelled; the
   * newest per group), the condition orders made since `since` (the flood window), and how many
   * flood orders each scope has had.
   */
  openOrders(since: number): { open: StoredOpenOrder[]; recent: { assetId: string; ts: number }[]; floods: { scope: string; n: number }[] } {
    const rows = this.db
      .prepare(
        `SELECT id, idem_key, asset_id, rule_id, group_key, kind, COALESCE(current_priority, priority) AS priority, created_at, status_at, last_update_at
         FROM work_orders WHERE kind IN ('condition', 'flood') AND status NOT IN ('completed', 'cancelled') AND group_key IS NOT NULL ORDER BY created_at, rowid`,
      )
      .all() as { id: string; idem_key: string; asset_id: string; rule_id: string; group_key: string; kind: 'condition' | 'flood'; priority: number; created_at: number; status_at: number | null; last_update_at: number | null }[];
    const open = rows.map((r) => ({
      orderId: r.id,
      key: r.idem_key,
      assetId: r.asset_id,
      groupKey: r.group_key,
      ruleId: r.rule_id,
      kind: r.kind,
      priority: r.priority as Priority,
      createdAt: r.created_at,
      statusSeen: r.status_at !== null,
      lastUpdateAt: r.last_update_at ?? undefined,
    }));
    const recent = (this.db.prepare(`SELECT asset_id, created_at FROM work_orders WHERE kind = 'condition' AND created_at > ? ORDER BY created_at`).all(since) as { asset_id: string; created_at: number }[]).map((r) => ({ assetId: r.asset_id, ts: r.created_at }));
    const floods = (this.db.prepare(`SELECT group_key, COUNT(*) AS n FROM work_orders WHERE kind = 'flood' GROUP BY group_key`).all() as { group_key: string; n: number }[]).map((r) => ({ scope: r.group_key.replace(/^flood:/, ''), n: r.n }));
    return { open, recent, floods };
  }

  update(orderId: string, seq: number): OrderUpdate | undefined {
    const r = this.getUpdate.get(orderId, seq) as { payload: string } | undefined;
    return r ? (JSON.parse(r.payload) as OrderUpdate) : undefined;
  }

  /** The target's id for the order (from the order's own delivery), if it gave one. */
  externalId(orderId: string, targetId: string): string | undefined {
    return (this.externalOf.get(orderId, targetId) as { external_id: string | null } | undefined)?.external_id ?? undefined;
  }

  due(now: number, limit: number): Delivery[] {
    // LIMIT is written into the statement, one per limit (the dispatcher uses one): a bound
    // `LIMIT ?` makes SQLite prepare the statement again on every run (19.8 vs 2.1 us here).
    const n = Math.max(1, Math.floor(limit));
    let st = this.dueStmts.get(n);
    if (!st) {
      // The head of each (target, asset) queue, if it is due: later orders wait behind it.
      st = this.db.prepare(
        `SELECT d.* FROM deliveries d
         WHERE d.state = 'pending' AND d.next_at <= ? AND ${HEAD}
         ORDER BY d.next_at, d.seq LIMIT ${n}`,
      );
      this.dueStmts.set(n, st);
    }
    return (st.all(now) as DeliveryRow[]).map(toDelivery);
  }

  /** Earliest `next_at` of any queue head, or undefined when nothing is pending. */
  nextDueAt(): number | undefined {
    const r = this.nextDueStmt.get() as { t: number | null };
    return r.t ?? undefined;
  }

  order(orderId: string): WorkOrder | undefined {
    const r = this.getOrder.get(orderId) as { payload: string } | undefined;
    return r ? (JSON.parse(r.payload) as WorkOrder) : undefined;
  }

  markDelivered(seq: number, externalId: string | undefined, now: number): void {
    this.delivered.run(externalId ?? null, now, now, seq);
  }

  markRetry(seq: number, nextAt: number, error: string, now: number): void {
    this.backoffStmt.run(nextAt, error, now, seq);
  }

  markFailed(seq: number, error: string, now: number): void {
    this.failed.run(error, now, seq);
  }

  /** Retries ran out: parked as `dead` with the last error, until an operator retries or cancels it. */
  markDead(seq: number, error: string, now: number): void {
    this.dead.run(error, now, seq);
  }

  /** The order an operator or a CMMS means: by order id, idempotency key or a target's external id. */
  resolve(ref: string): string | undefined {
    return (this.resolveStmt.get({ ref }) as { id: string } | undefined)?.id;
  }

  /** Failed or dead deliveries of the order go back to pending, due now; pending ones become due now. */
  retry(ref: string, now: number): CommandResult | undefined {
    const id = this.resolve(ref);
    return id === undefined ? undefined : { orderId: id, changed: this.retryStmt.run({ now, id }).changes };
  }

  /** Stops every undelivered delivery of the order (pending, failed or dead); delivered ones stay. */
  cancel(ref: string, now: number): CommandResult | undefined {
    const id = this.resolve(ref);
    return id === undefined ? undefined : { orderId: id, changed: this.cancelStmt.run(now, id).changes };
  }

  /**
   * The wall clock stepped by `ms`: pending deliveries' due times and the instants their
   * dead-letter age counts from move with it, so a step forward does not dead-letter them and a
   * step back does not hold them. Returns how many moved.
   */
  shiftPending(ms: number, now: number): number {
    return this.db
      // Rows written since the step are on the new clock already: only those from before it move
      // (the same test as setAfterStep in src/core/clock-steps.ts, on updated_at).
      .prepare(
        `UPDATE deliveries SET next_at = next_at + @ms, retry_since = COALESCE(retry_since, created_at) + @ms, updated_at = @now
         WHERE state = 'pending' AND NOT (CASE WHEN @ms > 0 THEN updated_at > @now - @ms ELSE updated_at BETWEEN @now - 2000 AND @now END)`,
      )
      .run({ ms: Math.round(ms), now }).changes;
  }

  /** Pending deliveries and the creation time of the oldest (for the backlog-age metric). */
  pending(): { count: number; oldestCreatedAt: number | undefined } {
    const r = this.pendingStmt.get() as { n: number; oldest: number | null };
    return { count: r.n, oldestCreatedAt: r.oldest ?? undefined };
  }

  counts(): Record<DeliveryState, number> {
    const out: Record<DeliveryState, number> = { pending: 0, delivered: 0, failed: 0, dead: 0, cancelled: 0 };
    for (const r of this.countsStmt.all() as { state: DeliveryState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  /** Orders (not those the flood guard held) by their CMMS status: `open`, `in_progress`, `completed`, `cancelled`. */
  statusCounts(): Record<string, number> {
    const rows = this.db.prepare(`SELECT status, COUNT(*) AS n FROM work_orders WHERE kind <> 'held' GROUP BY status`).all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Newest first, with their deliveries; filters by asset and delivery state. */
  list(opts: { assetId?: string; state?: DeliveryState; orderId?: string; limit?: number } = {}): WorkOrderRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.orderId) {
      where.push('o.id = ?');
      args.push(opts.orderId);
    }
    if (opts.assetId) {
      where.push('o.asset_id = ?');
      args.push(opts.assetId);
    }
    if (opts.state) {
      where.push('EXISTS (SELECT 1 FROM deliveries x WHERE x.order_id = o.id AND x.state = ?)');
      args.push(opts.state);
    }
    const rows = this.db
      .prepare(`SELECT o.id, o.payload, o.status, o.status_at, o.kind, o.priority, o.current_priority FROM work_orders o ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?`)
      .all(...args, opts.limit ?? 100) as { id: string; payload: string; status: string; status_at: number | null; kind: WorkOrderRecord['kind']; priority: number; current_priority: number | null }[];
    const dStmt = this.db.prepare(`SELECT * FROM deliveries WHERE order_id = ? ORDER BY update_seq, target_id`);
    return rows.map((r) => ({
      order: JSON.parse(r.payload) as WorkOrder,
      kind: r.kind,
      currentPriority: r.current_priority ?? r.priority,
      status: r.status,
      statusAt: r.status_at,
      updates: (this.updatesOf.all(r.id) as { payload: string }[]).map((u) => JSON.parse(u.payload) as OrderUpdate),
      deliveries: (dStmt.all(r.id) as DeliveryRow[]).map(toDelivery),
    }));
  }
}
