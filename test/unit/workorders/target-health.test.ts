import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { CbmError } from '../../../src/core/errors.js';
import type { WorkOrder } from '../../../src/workorders/model.js';
import type { WorkOrderTarget } from '../../../src/workorders/target.js';
import { deliveryHealthReasons, MonitoredTarget, targetHealth } from '../../../src/workorders/targets/health.js';

/** A target whose next answer the test sets. */
function scripted(): { t: WorkOrderTarget; next: (e?: unknown) => void } {
  let fail: unknown;
  return {
    next: (e) => (fail = e),
    t: {
      id: 'cmms',
      type: 'webhook',
      send: async () => {
        if (fail !== undefined) throw fail;
        return { externalId: 'x' };
      },
      close: async () => undefined,
    },
  };
}

const order = {} as WorkOrder;
const LIMITS = { failures: 3, failingFor: 60_000, maxPending: 100, maxPendingAge: 900_000 };

describe('target health', () => {
  it('records failing runs of retryable errors and credential refusals, not one refused order, nor a stop', async () => {
    const clock = new ManualClock();
    const { t, next } = scripted();
    const m = new MonitoredTarget(t, clock);
    const signal = new AbortController().signal;
    expect(m.health().state).toBe('unknown');
    await m.send(order, signal);
    expect(m.health()).toMatchObject({ state: 'ok', consecutiveFailures: 0, lastSuccessAt: clock.now() });

    next(new CbmError('CBM_ERR_TARGET_REJECTED', 'hook: HTTP 422 bad field', { details: { status: 422 } }));
    await expect(m.send(order, signal)).rejects.toThrow('422');
    expect(m.health()).toMatchObject({ state: 'ok', rejected: 1 });

    const start = clock.now();
    next(new CbmError('CBM_ERR_TARGET_UNAVAILABLE', 'hook: HTTP 503', { details: { status: 503 } }));
    await expect(m.send(order, signal)).rejects.toThrow();
    await clock.advance(10_000);
    next(new CbmError('CBM_ERR_TARGET_REJECTED', 'hook: HTTP 401 (authentication failed)', { details: { status: 401 } }));
    await expect(m.send(order, signal)).rejects.toThrow();
    expect(m.health()).toMatchObject({ state: 'failing', consecutiveFailures: 2, failingSince: start, lastError: 'hook: HTTP 401 (authentication failed)' });

    const stopping = new AbortController();
    stopping.abort();
    next(new Error('This operation was aborted'));
    await expect(m.send(order, stopping.signal)).rejects.toThrow();
    expect(m.health().consecutiveFailures).toBe(2);

    next(undefined);
    await m.send(order, signal);
    expect(m.health()).toMatchObject({ state: 'ok', consecutiveFailures: 0, failingSince: undefined });
    expect(targetHealth(m)?.id).toBe('cmms');
    expect(targetHealth(t)).toBeUndefined();
  });

  it('keeps update and pollStatus only when the target has them', () => {
    const { t } = scripted();
    const m = new MonitoredTarget(t, new ManualClock());
    expect(m.update).toBeUndefined();
    expect(m.pollStatus).toBeUndefined();
    const withUpdate = new MonitoredTarget({ ...t, update: async () => undefined }, new ManualClock());
    expect(withUpdate.update).toBeTypeOf('function');
  });

  it('gives a reason for a target failing beyond the limits and for a backlog, none otherwise', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const h = (consecutiveFailures: number, sinceMs: number) => ({ id: 'sap', type: 'sap', state: 'failing' as const, consecutiveFailures, failingSince: now - sinceMs, lastError: 'sap create: HTTP 500', lastSuccessAt: undefined, rejected: 0 });
    const none = { count: 0, oldestCreatedAt: undefined };
    expect(deliveryHealthReasons([h(2, 5_000)], none, now, LIMITS)).toEqual([]);
    expect(deliveryHealthReasons([h(3, 5_000)], none, now, LIMITS)).toEqual(['work-order target sap failing: 3 failed requests in a row over 5 s; last error: sap create: HTTP 500']);
    expect(deliveryHealthReasons([h(1, 61_000)], none, now, LIMITS)).toHaveLength(1);
    expect(deliveryHealthReasons([], { count: 101, oldestCreatedAt: now - 60_000 }, now, LIMITS)).toEqual([
      'work-order backlog: 101 deliveries pending, the oldest for 60 s (limits 100 and 15 min); they go out when the targets take them',
    ]);
    expect(deliveryHealthReasons([], { count: 5, oldestCreatedAt: now - 16 * 60_000 }, now, LIMITS)).toHaveLength(1);
    expect(deliveryHealthReasons([], { count: 5, oldestCreatedAt: now - 60_000 }, now, LIMITS)).toEqual([]);
  });
});
