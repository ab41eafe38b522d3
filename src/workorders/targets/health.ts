import type { Clock } from '../../core/clock.js';
import { errorMessage, isCbmError } from '../../core/errors.js';
import type { WorkOrder } from '../model.js';
import type { OpenOrderRef, StatusUpdate, UpdateRef, WorkOrderTarget } from '../target.js';
import type { OrderUpdate } from '../update.js';

/** How a target has been answering, for /api/health and the metrics. */
export interface TargetHealth {
  id: string;
  type: string;
  /** `failing` from a failed request until one succeeds; `unknown` before the first request. */
  state: 'ok' | 'failing' | 'unknown';
  /** Requests failed in a row (sends, updates and status polls: the target could not take them). */
  consecutiveFailures: number;
  /** Gateway clock (ms) of the first failure of the current run; undefined while ok. */
  failingSince: number | undefined;
  lastError: string | undefined;
  lastSuccessAt: number | undefined;
  /** Orders or updates the target refused for good (a 4xx other than 401/403: that order, not the target). */
  rejected: number;
}

/**
 * Whether an error says the target cannot take work now (down, overloaded, timing out, or our
 * credentials refused), rather than refusing one order it did not like (a 400 for that order).
 */
function targetDown(e: unknown): boolean {
  if (!isCbmError(e)) return true;
  if (e.retryable) return true;
  const status = (e.details as { status?: number } | undefined)?.status;
  return status === 401 || status === 403;
}

/**
 * A target with its health recorded: every send, update and status poll is passed on as it is and
 * its outcome noted. `createTarget` returns targets wrapped in this, so nothing else changes for
 * the dispatcher. A request cut short by a stop (the signal aborted) is not an outcome.
 */
export class MonitoredTarget implements WorkOrderTarget {
  readonly id: string;
  readonly type: string;
  readonly update?: (update: OrderUpdate, ref: UpdateRef, signal: AbortSignal) => Promise<void>;
  readonly pollStatus?: (open: readonly OpenOrderRef[], signal: AbortSignal) => Promise<StatusUpdate[]>;
  private readonly h: TargetHealth;

  constructor(
    readonly inner: WorkOrderTarget,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.id = inner.id;
    this.type = inner.type;
    this.h = { id: inner.id, type: inner.type, state: 'unknown', consecutiveFailures: 0, failingSince: undefined, lastError: undefined, lastSuccessAt: undefined, rejected: 0 };
    const update = inner.update?.bind(inner);
    if (update) this.update = (u, ref, signal) => this.watch(update(u, ref, signal), signal);
    const poll = inner.pollStatus?.bind(inner);
    if (poll) this.pollStatus = (open, signal) => this.watch(poll(open, signal), signal);
  }

  send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }> {
    return this.watch(this.inner.send(order, signal), signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  health(): TargetHealth {
    return { ...this.h };
  }

  private async watch<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      const r = await p;
      this.h.state = 'ok';
      this.h.consecutiveFailures = 0;
      this.h.failingSince = undefined;
      this.h.lastSuccessAt = this.clock.now();
      return r;
    } catch (e) {
      if (!signal.aborted) {
        if (targetDown(e)) {
          if (this.h.state !== 'failing') this.h.failingSince = this.clock.now();
          this.h.state = 'failing';
          this.h.consecutiveFailures++;
          this.h.lastError = errorMessage(e);
        } else this.h.rejected++;
      }
      throw e;
    }
  }
}

/** The health of a target `createTarget` made; undefined for one made otherwise. */
export function targetHealth(t: WorkOrderTarget): TargetHealth | undefined {
  return t instanceof MonitoredTarget ? t.health() : undefined;
}

/** When a failing target or a growing outbox makes the gateway `degraded` (config `workOrders.health`). */
export interface DeliveryHealthLimits {
  /** A target counts as failing in health after this many failed requests in a row… */
  failures: number;
  /** …or after failing this long (ms), whichever comes first. */
  failingFor: number;
  /** Deliveries pending (the outbox backlog) beyond which health is degraded. */
  maxPending: number;
  /** The oldest pending delivery's age (ms) beyond which health is degraded. */
  maxPendingAge: number;
}

function minutes(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/**
 * The reasons /api/health gives for targets that fail and for an outbox that backs up: empty when
 * all is well. A target that failed once and answers again is no reason; one that keeps failing
 * is, with its last error (credentials masked, as every error is).
 */
export function deliveryHealthReasons(targets: readonly TargetHealth[], pending: { count: number; oldestCreatedAt: number | undefined }, now: number, limits: DeliveryHealthLimits): string[] {
  const reasons: string[] = [];
  for (const t of targets) {
    if (t.state !== 'failing' || t.failingSince === undefined) continue;
    const since = now - t.failingSince;
    if (t.consecutiveFailures < limits.failures && since < limits.failingFor) continue;
    reasons.push(`work-order target ${t.id} failing: ${t.consecutiveFailures} failed requests in a row over ${minutes(since)}; last error: ${t.lastError ?? 'unknown'}`);
  }
  const age = pending.oldestCreatedAt === undefined ? 0 : now - pending.oldestCreatedAt;
  if (pending.count > limits.maxPending || age > limits.maxPendingAge) {
    reasons.push(`work-order backlog: ${pending.count} deliveries pending, the oldest for ${minutes(age)} (limits ${limits.maxPending} and ${minutes(limits.maxPendingAge)}); they go out when the targets take them`);
  }
  return reasons;
}
