import type { AlarmEvent } from '../alarms/store.js';
import type { Priority } from '../core/priority.js';
import type { Db } from '../store/db.js';
import type { HealthOrder } from './health.js';

/** An alarm's state at a moment: active or not, and since when (from its last raise or clear). */
export interface AlarmStateAt {
  rule: string;
  asset: string;
  priority: number;
  active: boolean;
  since: number;
}

/** A work order as the maintenance KPIs read it. */
export interface OrderFact {
  id: string;
  asset: string;
  rule: string;
  /** `condition` (an alarm's order), `flood` (the flood guard's), `held` (held back, never sent). */
  kind: string;
  /** The order's work type: CM corrective, PM preventive, PdM predictive/condition-based. */
  type: 'CM' | 'PM' | 'PdM';
  /** The priority after escalations. */
  priority: Priority;
  status: string;
  createdAt: number;
  /** Every status the CMMS reported, oldest first. */
  history: { status: string; at: number }[];
  /** When an update first raised its priority (a more urgent rule of its failure-mode group fired). */
  escalatedAt: number | undefined;
}

const CLOSED = `('completed', 'cancelled')`;

/**
 * Read-only queries over the gateway's store for health and KPIs: the alarm history
 * (`alarm_events`), work orders, their CMMS status history and updates. Writes nothing; the
 * stages own these tables.
 */
export class InsightStore {
  private readonly openStmt;
  private readonly recentStmt;
  private readonly eventsStmt;
  private readonly beforeStmt;
  private readonly ordersStmt;
  private readonly historyStmt;
  private readonly escalatedStmt;

  constructor(db: Db) {
    this.openStmt = db.prepare(
      `SELECT id, asset_id, title, COALESCE(current_priority, priority) AS priority, status FROM work_orders
       WHERE kind IN ('condition', 'flood') AND status NOT IN ${CLOSED} ORDER BY created_at`,
    );
    this.recentStmt = db.prepare(
      `SELECT id, asset_id, title, COALESCE(current_priority, priority) AS priority, status FROM work_orders
       WHERE kind = 'condition' AND status = 'completed' AND status_at >= ? ORDER BY status_at`,
    );
    this.eventsStmt = db.prepare(`SELECT rule_id, asset_id, episode, change, priority, ts FROM alarm_events WHERE ts >= ? AND ts <= ? ORDER BY ts, id`);
    this.beforeStmt = db.prepare(
      `SELECT rule_id, asset_id, change, priority, ts FROM alarm_events WHERE id IN (
         SELECT MAX(id) FROM alarm_events WHERE ts < ? AND change IN ('raised', 'cleared') GROUP BY rule_id, asset_id)`,
    );
    const relevant = `(o.created_at >= @from OR o.status_at >= @from OR o.status NOT IN ${CLOSED})`;
    this.ordersStmt = db.prepare(
      `SELECT o.id, o.asset_id, o.rule_id, o.kind, json_extract(o.payload, '$.type') AS type, COALESCE(o.current_priority, o.priority) AS priority, o.status, o.created_at
       FROM work_orders o WHERE ${relevant} ORDER BY o.created_at, o.rowid`,
    );
    this.historyStmt = db.prepare(
      `SELECT s.order_id, s.status, s.at FROM work_order_status s JOIN work_orders o ON o.id = s.order_id WHERE ${relevant} ORDER BY s.at, s.id`,
    );
    this.escalatedStmt = db.prepare(
      `SELECT u.order_id, MIN(u.created_at) AS at FROM work_order_updates u JOIN work_orders o ON o.id = u.order_id WHERE u.escalated = 1 AND ${relevant} GROUP BY u.order_id`,
    );
  }

  /** Orders open in the CMMS (sent, not completed or cancelled), by asset. */
  openOrders(): Map<string, HealthOrder[]> {
    return byAsset(this.openStmt.all() as OrderRow[]);
  }

  /** Condition orders the CMMS completed since `since`, by asset. */
  completedSince(since: number): Map<string, HealthOrder[]> {
    return byAsset(this.recentStmt.all(since) as OrderRow[]);
  }

  /** Alarm history in [from, to], oldest first. */
  alarmEvents(from: number, to: number): AlarmEvent[] {
    return this.eventsStmt.all(from, to) as AlarmEvent[];
  }

  /** Each alarm's state just before `t` (its last raise or clear), for alarms that had one. */
  alarmStatesAt(t: number): AlarmStateAt[] {
    return (this.beforeStmt.all(t) as { rule_id: string; asset_id: string; change: string; priority: number; ts: number }[]).map((r) => ({
      rule: r.rule_id,
      asset: r.asset_id,
      priority: r.priority,
      active: r.change === 'raised',
      since: r.ts,
    }));
  }

  /** Orders created or closed since `from`, and every order still open, with their status history. */
  orders(from: number): OrderFact[] {
    const history = new Map<string, { status: string; at: number }[]>();
    for (const h of this.historyStmt.all({ from }) as { order_id: string; status: string; at: number }[]) {
      let l = history.get(h.order_id);
      if (!l) history.set(h.order_id, (l = []));
      l.push({ status: h.status, at: h.at });
    }
    const escalated = new Map((this.escalatedStmt.all({ from }) as { order_id: string; at: number }[]).map((r) => [r.order_id, r.at]));
    return (this.ordersStmt.all({ from }) as { id: string; asset_id: string; rule_id: string; kind: string; type: string | null; priority: number; status: string; created_at: number }[]).map((r) => ({
      id: r.id,
      asset: r.asset_id,
      rule: r.rule_id,
      kind: r.kind,
      type: r.type === 'CM' || r.type === 'PM' ? r.type : 'PdM',
      priority: r.priority as Priority,
      status: r.status,
      createdAt: r.created_at,
      history: history.get(r.id) ?? [],
      escalatedAt: escalated.get(r.id),
    }));
  }
}

interface OrderRow {
  id: string;
  asset_id: string;
  title: string;
  priority: number;
  status: string;
}

function byAsset(rows: OrderRow[]): Map<string, HealthOrder[]> {
  const out = new Map<string, HealthOrder[]>();
  for (const r of rows) {
    let l = out.get(r.asset_id);
    if (!l) out.set(r.asset_id, (l = []));
    l.push({ id: r.id, title: r.title, priority: r.priority as Priority, status: r.status });
  }
  return out;
}
