import type { AlarmTransition } from '../alarms/book.js';
import type { AlarmStore } from '../alarms/store.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../store/db.js';
import type { OrderAction } from '../workorders/orders.js';
import type { Outbox } from '../workorders/outbox.js';

/** An alarm transition and what it made happen to work orders: what one commit makes durable. */
export interface Change {
  transition: AlarmTransition;
  actions: OrderAction[];
}

/** Whether the store takes commits, for health and metrics. */
export interface StoreHealth {
  writable: boolean;
  /** The last write error while not writable. */
  error: string | undefined;
  /** Since when it has not been writable (gateway clock). */
  since: number | undefined;
  /** Changes held in memory until the store takes them again. */
  held: number;
  /** Changes dropped because more than `maxHeld` waited (those with order actions are counted apart). */
  droppedTransitions: number;
  droppedOrders: number;
}

export interface CommitterDeps {
  db: Db;
  alarms: AlarmStore;
  outbox: Outbox;
  targetIds: () => readonly string[];
  clock: Clock;
  log: Logger;
  /** Most changes held in memory while the store cannot write (default 100,000). */
  maxHeld?: number;
}

/**
 * Makes alarm transitions and their work orders durable: one SQLite transaction saves each
 * transition and enqueues its order (ARCHITECTURE: the outbox commits with the transition that
 * caused it). When the store cannot write (disk full, I/O error) nothing is lost: the changes
 * wait in memory, in order and bounded, and go in with the next commit that succeeds; meanwhile
 * `whenSaved` callers (the broker's QoS 1 acknowledgements) wait too.
 */
export class Committer {
  private readonly tx: (changes: readonly Change[]) => number;
  private held: Change[] = [];
  private waiters: (() => void)[] = [];
  private readonly health: StoreHealth = { writable: true, error: undefined, since: undefined, held: 0, droppedTransitions: 0, droppedOrders: 0 };
  private readonly maxHeld: number;

  constructor(private readonly d: CommitterDeps) {
    this.maxHeld = d.maxHeld ?? 100_000;
    this.tx = d.db.transaction((changes: readonly Change[]) => {
      const now = d.clock.now();
      const targets = d.targetIds();
      let sends = 0;
      for (const { transition: t, actions } of changes) {
        d.alarms.save(t.ruleId, t.assetId, t.state, t.change, t.priority, t.ts, now);
        for (const a of actions) {
          if (a.kind === 'create') sends += d.outbox.enqueue(a.order, targets, now, { groupKey: a.groupKey, kind: a.orderKind }) ? 1 : 0;
          else if (a.kind === 'held') d.outbox.enqueue(a.order, targets, now, { groupKey: a.groupKey, kind: 'held' });
          else if (d.outbox.enqueueUpdate(a.update, targets, now, a.notBefore)) sends++;
        }
      }
      return sends;
    });
  }

  /**
   * Commits `changes` after whatever is held. Returns what became durable (held changes first)
   * and how many orders and updates were queued for delivery; nothing when the store failed (the
   * changes are held).
   */
  commit(changes: readonly Change[]): { saved: Change[]; sends: number } {
    const all = this.held.length ? [...this.held, ...changes] : [...changes];
    if (all.length === 0) return { saved: [], sends: 0 };
    let sends: number;
    try {
      sends = this.tx(all);
    } catch (e) {
      this.hold(all, e);
      return { saved: [], sends: 0 };
    }
    if (!this.health.writable) this.d.log.info({ held: this.held.length, downMs: this.d.clock.now() - (this.health.since ?? 0) }, 'store writable again; held alarm changes and orders committed');
    this.held = [];
    Object.assign(this.health, { writable: true, error: undefined, since: undefined, held: 0 });
    this.release();
    return { saved: all, sends };
  }

  /** Calls `cb` once nothing is held (at once when nothing is). */
  whenSaved(cb: () => void): void {
    if (this.held.length === 0) cb();
    else this.waiters.push(cb);
  }

  /** True while changes wait for the store. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  stats(): StoreHealth {
    return { ...this.health };
  }

  private hold(all: Change[], e: unknown): void {
    const err = errorMessage(e);
    if (this.health.writable) {
      this.health.since = this.d.clock.now();
      this.d.log.error({ err, changes: all.length }, 'store cannot write: alarm changes and work orders held in memory until it can; QoS 1 publishes are not acknowledged meanwhile');
    }
    this.health.writable = false;
    this.health.error = err;
    // Beyond the bound, the oldest changes without an order go first; orders only as a last resort.
    let excess = all.length - this.maxHeld;
    if (excess > 0) {
      const kept: Change[] = [];
      for (const c of all) {
        if (excess > 0 && c.actions.length === 0) {
          excess--;
          this.health.droppedTransitions++;
        } else kept.push(c);
      }
      while (kept.length > this.maxHeld) {
        const c = kept.shift()!;
        this.health.droppedTransitions++;
        if (c.actions.length) this.health.droppedOrders++;
      }
      all = kept;
      this.d.log.error({ dropped: this.health.droppedTransitions, droppedOrders: this.health.droppedOrders, maxHeld: this.maxHeld }, 'store still cannot write: held changes over the bound were dropped');
    }
    this.held = all;
    this.health.held = all.length;
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const cb of w) cb();
  }
}
