import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../store/db.js';
import type { OpenOrderRef, StatusUpdate, WorkOrderStatus } from './target.js';

/** The order a status report is about, as the rest of the gateway needs it (re-arm, PM reset). */
export interface OrderRef {
  id: string;
  idempotencyKey: string;
  assetId: string;
  ruleId: string;
  episode: number;
}

/** One status change, committed to SQLite before any listener hears of it. */
export interface OrderStatusEvent {
  order: OrderRef;
  update: StatusUpdate;
  /** The order's status before this update. */
  previous: WorkOrderStatus;
  /** `inbound`: the CMMS called `POST /api/work-orders/status`; `poll`: a target's `pollStatus`. */
  source: 'inbound' | 'poll';
}

/**
 * The one hook through which the rest of the gateway learns that the CMMS moved an order (e.g.
 * completion re-arms its rule and resets PM meters). Called synchronously after the commit, once
 * per change of the order's current status; a repeated or older report does not call it. A
 * listener that throws is logged and does not affect the others.
 */
export type OrderStatusListener = (event: OrderStatusEvent) => void;

export interface StatusEntry {
  status: WorkOrderStatus;
  notes: string | null;
  technician: string | null;
  at: string;
  source: string;
  receivedAt: string;
}

/** The inbound status report (README: status back). One of `idempotencyKey`, `externalId`, `id` names the order. */
export const statusReportSchema = z
  .object({
    idempotencyKey: z.string().min(1).optional(),
    externalId: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    status: z.enum(['open', 'in_progress', 'completed', 'cancelled']),
    notes: z.string().max(20_000).optional(),
    technician: z.string().max(200).optional(),
    /** When the CMMS changed it (ISO 8601); default: when the gateway received it. */
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((r) => r.idempotencyKey ?? r.externalId ?? r.id, { message: 'expected one of idempotencyKey, externalId or id' });
export type StatusReport = z.output<typeof statusReportSchema>;

export type ApplyResult = { result: 'applied' | 'duplicate' | 'older'; order: OrderRef; status: WorkOrderStatus } | undefined;

interface OrderRow {
  id: string;
  idem_key: string;
  asset_id: string;
  rule_id: string;
  episode: number;
  status: WorkOrderStatus;
  status_at: number | null;
}

/**
 * Work-order status as the CMMS reports it: the current status on `work_orders`, every report in
 * `work_order_status` (so the history stays with the order and its asset), and the listeners.
 * A report is idempotent by (order, status, time), so a CMMS that repeats a callback is harmless.
 */
export class OrderStatusBook {
  private readonly listeners = new Set<OrderStatusListener>();
  private readonly byRef;
  private readonly insHistory;
  private readonly setCurrent;
  private readonly historyStmt;
  private readonly openStmt;
  private readonly applyTx;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.byRef = db.prepare(
      `SELECT id, idem_key, asset_id, rule_id, episode, status, status_at FROM work_orders
       WHERE id = (SELECT id FROM work_orders WHERE idem_key = @key UNION ALL SELECT id FROM work_orders WHERE id = @id
                   UNION ALL SELECT order_id FROM deliveries WHERE external_id = @ext AND update_seq = 0 LIMIT 1)`,
    );
    this.insHistory = db.prepare(
      `INSERT INTO work_order_status (order_id, status, notes, technician, at, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (order_id, status, at) DO NOTHING`,
    );
    this.setCurrent = db.prepare(`UPDATE work_orders SET status = ?, status_at = ? WHERE id = ?`);
    this.historyStmt = db.prepare(`SELECT status, notes, technician, at, source, received_at FROM work_order_status WHERE order_id = ? ORDER BY at, id`);
    this.openStmt = db.prepare(
      `SELECT o.id, o.idem_key, d.external_id FROM deliveries d JOIN work_orders o ON o.id = d.order_id
       WHERE d.target_id = ? AND d.update_seq = 0 AND d.state = 'delivered' AND o.status NOT IN ('completed', 'cancelled') ORDER BY d.seq LIMIT ?`,
    );
    this.applyTx = db.transaction((row: OrderRow, u: StatusUpdate, at: number, source: string): 'applied' | 'duplicate' | 'older' => {
      const r = this.insHistory.run(row.id, u.status, u.notes ?? null, u.technician ?? null, at, source, this.clock.now());
      if (r.changes === 0) return 'duplicate';
      // Reports can arrive out of order (a poll after a callback): the newest one is current.
      if (row.status_at !== null && at < row.status_at) return 'older';
      if (row.status === u.status) return 'duplicate';
      this.setCurrent.run(u.status, at, row.id);
      return 'applied';
    });
  }

  /** Registers a listener; returns the function that removes it. */
  onStatus(listener: OrderStatusListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Records a report about the order named by key, external id or id; undefined if no such order. */
  apply(ref: { idempotencyKey?: string | undefined; externalId?: string | undefined; id?: string | undefined }, u: StatusUpdate, source: OrderStatusEvent['source']): ApplyResult {
    const row = this.byRef.get({ key: ref.idempotencyKey ?? null, id: ref.id ?? null, ext: ref.externalId ?? null }) as OrderRow | undefined;
    if (!row) return undefined;
    const parsed = Date.parse(u.at);
    const at = Number.isFinite(parsed) ? parsed : this.clock.now();
    const result = this.applyTx(row, u, at, source);
    const order: OrderRef = { id: row.id, idempotencyKey: row.idem_key, assetId: row.asset_id, ruleId: row.rule_id, episode: row.episode };
    if (result === 'applied') {
      const event: OrderStatusEvent = { order, update: { ...u, idempotencyKey: row.idem_key, at: new Date(at).toISOString() }, previous: row.status, source };
      for (const l of this.listeners) {
        try {
          l(event);
        } catch (e) {
          this.log.error({ order: row.id, err: errorMessage(e) }, 'order status listener failed');
        }
      }
    }
    return { result, order, status: result === 'applied' ? u.status : row.status };
  }

  /** Applies an inbound report (already validated against {@link statusReportSchema}). */
  applyReport(r: StatusReport): ApplyResult {
    const at = r.at ?? new Date(this.clock.now()).toISOString();
    const u: StatusUpdate = { idempotencyKey: r.idempotencyKey ?? '', externalId: r.externalId, status: r.status, notes: r.notes, technician: r.technician, at };
    return this.apply({ idempotencyKey: r.idempotencyKey, externalId: r.externalId, id: r.id }, u, 'inbound');
  }

  history(orderId: string): StatusEntry[] {
    return (this.historyStmt.all(orderId) as { status: WorkOrderStatus; notes: string | null; technician: string | null; at: number; source: string; received_at: number }[]).map((h) => ({
      status: h.status,
      notes: h.notes,
      technician: h.technician,
      at: new Date(h.at).toISOString(),
      source: h.source,
      receivedAt: new Date(h.received_at).toISOString(),
    }));
  }

  /** Orders delivered to `targetId` that the CMMS has not closed yet: what polling asks about. */
  open(targetId: string, limit = 500): OpenOrderRef[] {
    return (this.openStmt.all(targetId, limit) as { id: string; idem_key: string; external_id: string | null }[]).map((r) => ({
      orderId: r.id,
      idempotencyKey: r.idem_key,
      externalId: r.external_id ?? undefined,
    }));
  }
}
