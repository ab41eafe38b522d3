import type { Clock } from '../core/clock.js';
import { Histogram, LATENCY_BUCKETS_S } from '../core/histogram.js';
import { CbmError, errorMessage, isCbmError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RetryConfig } from '../config/schema.js';
import { backoffDelay } from './backoff.js';
import type { Delivery, Outbox } from './outbox.js';
import type { WorkOrder } from './model.js';
import type { WorkOrderTarget } from './target.js';

export interface DispatcherOptions {
  outbox: Outbox;
  targets: ReadonlyMap<string, WorkOrderTarget>;
  clock: Clock;
  log: Logger;
  retry: RetryConfig;
  concurrency: number;
  random?: () => number;
  /** Longest idle wait before looking at the outbox again (ms). */
  idlePoll?: number;
  /**
   * Checks the wall clock for a step (the composition root's: it shifts the outbox's due times and
   * dead-letter ages with a step) and returns the step in ms, or 0. Called before each round and
   * before a failed delivery is judged, so no delivery is dead-lettered by a step.
   */
  checkClock?: () => number;
}

export interface TargetStats {
  sent: number;
  retried: number;
  /** Refused for good by the target (4xx). */
  failed: number;
  /** Retries ran out (`maxAttempts` / `deadLetterAfter`). */
  dead: number;
  /** Order created → target accepted (s), successes only. */
  latency: Histogram;
}

export interface DispatcherStats {
  sent: number;
  retried: number;
  failed: number;
  dead: number;
  lastError: string | undefined;
  /** Delivery latency of the last success: order created → target answered (ms). */
  lastLatencyMs: number | undefined;
  /** Rounds that failed outside a delivery (the store could not be read or written); each backs off. */
  loopErrors: number;
  lastLoopError: string | undefined;
  /** True from a failed round until a round succeeds. */
  failing: boolean;
  byTarget: Record<string, TargetStats>;
}

/**
 * Delivers the outbox. Picks the due head of each (target, asset) queue, sends up to
 * `concurrency` at once, and records the result in SQLite before looking at the next one:
 * delivered, retry later (exponential backoff with jitter), failed for good (the target refused
 * it), or dead once `maxAttempts` or `deadLetterAfter` (age since enqueue) runs out. Survives any
 * target error; `wake()` after an enqueue or an operator's retry skips the idle wait.
 */
export class Dispatcher {
  readonly stats: DispatcherStats = { sent: 0, retried: 0, failed: 0, dead: 0, lastError: undefined, lastLatencyMs: undefined, loopErrors: 0, lastLoopError: undefined, failing: false, byTarget: {} };
  private readonly stopCtl = new AbortController();
  /** Ends the current idle wait early (set while the loop waits). */
  private endWait: (() => void) | undefined;
  private woken = false;
  /** Wall-clock steps seen so far (ms, summed): a delivery read before a step adds what came since. */
  private shifted = 0;
  /** Set by `stop`: deliver what is due, then end the loop instead of waiting. */
  private draining = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    this.loop ??= this.run().catch((e) => this.o.log.error({ err: errorMessage(e) }, 'dispatcher stopped on an unexpected error'));
  }

  wake(): void {
    this.woken = true;
    this.endWait?.();
  }

  /**
   * Stops delivering. With `drainMs`, first delivers what is due (in-flight deliveries finish,
   * due ones go out) until nothing is due or `drainMs` has passed, then aborts what is still in
   * flight; its rows stay pending for the next start, so nothing is lost either way.
   */
  async stop(drainMs = 0): Promise<void> {
    this.draining = true;
    if (drainMs <= 0 || !this.loop) this.stopCtl.abort();
    this.endWait?.();
    const cancel = drainMs > 0 ? this.o.clock.timer(drainMs, () => this.stopCtl.abort()) : undefined;
    await this.loop;
    cancel?.();
    this.stopCtl.abort();
  }

  private async run(): Promise<void> {
    const stop = this.stopCtl.signal;
    let failures = 0;
    while (!stop.aborted) {
      let wait: number | undefined;
      try {
        wait = await this.round();
        if (failures > 0) this.o.log.info({ failures }, 'dispatcher rounds succeed again');
        failures = 0;
        this.stats.failing = false;
      } catch (e) {
        // The store could not be read or written (disk full, I/O error): never stop; log the
        // first failure and every 100th, back off up to the idle poll, and go on.
        failures++;
        this.stats.loopErrors++;
        this.stats.lastLoopError = errorMessage(e);
        this.stats.failing = true;
        if (failures === 1 || failures % 100 === 0) this.o.log.error({ err: this.stats.lastLoopError, failures }, 'dispatcher round failed; retrying with backoff');
        wait = Math.min(this.o.idlePoll ?? 5_000, 100 * 2 ** Math.min(failures, 10));
      }
      if (wait !== undefined && this.draining) break; // nothing due: drained
      if (wait !== undefined && !stop.aborted) await this.idle(wait);
    }
  }

  private clockCheck(): void {
    this.shifted += this.o.checkClock?.() ?? 0;
  }

  /** Delivers what is due; returns how long to wait before the next round (undefined: go on at once). */
  private async round(): Promise<number | undefined> {
    const { outbox, clock } = this.o;
    this.woken = false;
    this.clockCheck();
    const due = outbox.due(clock.now(), this.o.concurrency);
    if (due.length > 0) {
      await Promise.all(due.map((d) => this.deliver(d)));
      return undefined;
    }
    if (this.woken) return undefined;
    const next = outbox.nextDueAt();
    const idle = this.o.idlePoll ?? 5_000;
    return next === undefined ? idle : Math.min(idle, Math.max(0, next - clock.now()));
  }

  /**
   * Waits `ms`, or less when woken (every committed batch of orders) or stopped. A plain timer and
   * callback: an AbortController per wait (and AbortSignal.any with `stop`, which keeps each
   * composite signal registered) made garbage that lived long enough to be promoted.
   */
  private async idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const cancel = this.o.clock.timer(ms, resolve);
      this.endWait = () => (cancel(), resolve());
    });
    this.endWait = undefined;
  }

  private target(id: string): TargetStats {
    return (this.stats.byTarget[id] ??= { sent: 0, retried: 0, failed: 0, dead: 0, latency: new Histogram(LATENCY_BUCKETS_S) });
  }

  /** Sends the order (updateSeq 0) or the update a delivery is for; throws as the target does. */
  private async send(target: WorkOrderTarget, d: Delivery, order: WorkOrder): Promise<string | undefined> {
    if (d.updateSeq === 0) return (await target.send(order, this.stopCtl.signal)).externalId;
    const u = this.o.outbox.update(d.orderId, d.updateSeq);
    if (!u) throw new CbmError('CBM_ERR_TARGET_REJECTED', `update ${d.updateSeq} of order ${d.orderId} is missing`);
    if (!target.update) throw new CbmError('CBM_ERR_TARGET_REJECTED', `target type "${target.type}" does not take order updates`);
    await target.update(u, { externalId: this.o.outbox.externalId(d.orderId, d.targetId), order }, this.stopCtl.signal);
    return undefined;
  }

  private async deliver(d: Delivery): Promise<void> {
    const { outbox, clock, log } = this.o;
    const shifted0 = this.shifted;
    const ts = this.target(d.targetId);
    const target = this.o.targets.get(d.targetId);
    const order = outbox.order(d.orderId);
    if (!target || !order) {
      const why = !target ? `target "${d.targetId}" is not configured` : `order ${d.orderId} is missing`;
      const now = clock.now();
      // A target removed from the config: wait for it to come back, but not past the dead-letter age.
      if (this.o.retry.deadLetterAfter > 0 && now - d.since >= this.o.retry.deadLetterAfter) outbox.markDead(d.seq, why, now);
      else outbox.markRetry(d.seq, now + this.o.retry.maxDelay, why, now);
      return;
    }
    const what = d.updateSeq === 0 ? 'work order' : `update ${d.updateSeq} of work order`;
    try {
      const externalId = await this.send(target, d, order);
      const now = clock.now();
      outbox.markDelivered(d.seq, externalId, now);
      this.stats.sent++;
      ts.sent++;
      // From enqueue (gateway clock, as the row says) to the target's answer.
      this.stats.lastLatencyMs = now - d.createdAt;
      ts.latency.observe(Math.max(0, now - d.createdAt) / 1000);
      log.info({ target: d.targetId, key: order.idempotencyKey, update: d.updateSeq || undefined, externalId, attempt: d.attempts + 1 }, `${what} delivered`);
    } catch (e) {
      this.clockCheck();
      const now = clock.now();
      // A step while this delivery was on its way moved the row's dead-letter base with it.
      const since = d.since + (this.shifted - shifted0);
      const msg = errorMessage(e);
      this.stats.lastError = msg;
      if (this.stopCtl.signal.aborted) return; // shutting down: the row stays pending, unchanged
      const attempt = d.attempts + 1;
      const retryable = isCbmError(e) ? e.retryable : true;
      const max = this.o.retry.maxAttempts;
      if (!retryable) {
        outbox.markFailed(d.seq, msg, now);
        this.stats.failed++;
        ts.failed++;
        log.error({ target: d.targetId, key: order.idempotencyKey, attempt, err: msg }, `${what} refused by the target; kept as failed for inspection`);
        return;
      }
      const age = this.o.retry.deadLetterAfter;
      if ((max > 0 && attempt >= max) || (age > 0 && now - since >= age)) {
        outbox.markDead(d.seq, msg, now);
        this.stats.dead++;
        ts.dead++;
        log.error({ target: d.targetId, key: order.idempotencyKey, attempt, ageMs: now - since, err: msg }, `${what} dead-lettered: retries ran out; retry or cancel it by hand`);
        return;
      }
      const delay = backoffDelay(attempt, this.o.retry, this.o.random);
      outbox.markRetry(d.seq, now + delay, msg, now);
      this.stats.retried++;
      ts.retried++;
      log.warn({ target: d.targetId, key: order.idempotencyKey, attempt, retryInMs: delay, err: msg }, `${what} delivery failed; will retry`);
    }
  }
}
