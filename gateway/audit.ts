import type { Clock } from '../src/core/clock.js';
import { errorMessage } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import type { Db } from '../src/store/db.js';
import type { AuditEntry, AuditSink } from './access.js';

/** An audit entry as the store returns it: with its sequence number. */
export interface StoredAuditEntry extends AuditEntry {
  id: number;
}

export interface AuditQuery {
  /** Newest first, at most this many (capped at 1,000). */
  limit?: number;
  actor?: string;
  action?: string;
  target?: string;
  /** Entries older than this id (paging back). */
  beforeId?: number;
}

/** Keys whose values never reach the audit log, whatever a caller hands in. */
const SECRET_KEY = /pass(word)?|secret|token|credential|api[-_]?key|authorization|cookie/i;

/** Copies `v` with every value under a secret-looking key replaced, so a password never lands in the log. */
export function redact(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 20) return v;
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(x, depth + 1)]));
}

interface Row {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  before: string | null;
  after: string | null;
}

const parse = (s: string | null): unknown => (s === null ? undefined : JSON.parse(s));

/**
 * The audit log in SQLite: every operator command, user and token change and rule change, with
 * who, when, what and the state before and after (issue 17). Recording never throws into the
 * command that was done: a store that cannot write logs the entry instead, once per entry.
 */
export class AuditStore implements AuditSink {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log?: Logger,
  ) {}

  record(e: Omit<AuditEntry, 'at'> & { at?: number }): void {
    const at = e.at ?? this.clock.now();
    const before = e.before === undefined ? null : JSON.stringify(redact(e.before));
    const after = e.after === undefined ? null : JSON.stringify(redact(e.after));
    try {
      this.db.prepare('INSERT INTO audit (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)').run(at, e.actor, e.action, e.target, before, after);
    } catch (err) {
      this.log?.error({ err: errorMessage(err), at, actor: e.actor, action: e.action, target: e.target, before, after }, 'audit entry could not be stored');
    }
  }

  list(q: AuditQuery = {}): StoredAuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    for (const [col, v] of [['actor', q.actor], ['action', q.action], ['target', q.target]] as const) {
      if (v !== undefined) (where.push(`${col} = ?`), args.push(v));
    }
    if (q.beforeId !== undefined) (where.push('id < ?'), args.push(q.beforeId));
    const limit = Math.min(1000, Math.max(1, q.limit ?? 100));
    const rows = this.db.prepare(`SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args, limit) as Row[];
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, target: r.target, before: parse(r.before), after: parse(r.after) }));
  }
}
