import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { CbmError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { openStore, type Db } from '../../../src/store/db.js';
import { Dispatcher } from '../../../src/workorders/dispatcher.js';
import { Outbox } from '../../../src/workorders/outbox.js';
import { order, ScriptedTarget, settle } from './fixtures.js';

const down = () => new CbmError('CBM_ERR_TARGET_UNAVAILABLE', 'HTTP 503');
let db: Db;
let d: Dispatcher | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
  db?.close();
});

function setup(retry: { maxAttempts: number; deadLetterAfter: number }, script: (k: string, n: number) => Error | undefined) {
  db = openStore(':memory:');
  const outbox = new Outbox(db);
  const clock = new ManualClock(0);
  const target = new ScriptedTarget('t', script);
  d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry: { initialDelay: 1000, maxDelay: 4000, factor: 2, ...retry }, concurrency: 4, random: () => 1, idlePoll: 60_000 });
  return { outbox, clock, target, d };
}

describe('dead letters, retry and cancel', () => {
  it('dead-letters after maxAttempts with the last error kept; the asset queue moves on', async () => {
    const { outbox, clock, target, d } = setup({ maxAttempts: 3, deadLetterAfter: 0 }, (k) => (k === 'k-1' ? down() : undefined));
    outbox.enqueue(order(1), ['t'], 0);
    outbox.enqueue(order(2), ['t'], 0); // same asset: waits behind k-1
    d.start();
    await settle(clock);
    await settle(clock, 1000);
    expect(target.calls).toEqual(['k-1', 'k-1']);
    await settle(clock, 2000);
    expect(outbox.list({ state: 'dead' })[0]!.deliveries[0]).toMatchObject({ state: 'dead', attempts: 3, lastError: 'HTTP 503' });
    await settle(clock);
    expect(target.calls).toEqual(['k-1', 'k-1', 'k-1', 'k-2']);
    expect(outbox.counts()).toMatchObject({ dead: 1, delivered: 1, pending: 0 });
    expect(d.stats).toMatchObject({ dead: 1, sent: 1, retried: 2 });
  });

  it('dead-letters once the order is older than deadLetterAfter, however few the attempts', async () => {
    const { outbox, clock, d } = setup({ maxAttempts: 0, deadLetterAfter: 10_000 }, () => down());
    outbox.enqueue(order(1), ['t'], 0);
    d.start();
    for (let i = 0; i < 6; i++) await settle(clock, 4000); // 1 s, 2 s, 4 s, 4 s… → past 10 s
    const del = outbox.list()[0]!.deliveries[0]!;
    expect(del.state).toBe('dead');
    expect(del.attempts).toBeLessThan(6);
    expect(del.updatedAt).toBeGreaterThanOrEqual(10_000);
  });

  it('an operator retry restarts the dead-letter clock', async () => {
    let fail = true;
    const { outbox, clock, target, d } = setup({ maxAttempts: 0, deadLetterAfter: 10_000 }, () => (fail ? down() : undefined));
    outbox.enqueue(order(1), ['t'], 0);
    d.start();
    for (let i = 0; i < 6; i++) await settle(clock, 4000);
    expect(outbox.counts().dead).toBe(1);
    await settle(clock, 100_000); // long after: a retry still gets its full 10 s
    outbox.retry('o-1', clock.now());
    d.wake();
    await settle(clock);
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ state: 'pending', attempts: 1, since: 124_000 });
    fail = false;
    await settle(clock, 1000);
    expect(outbox.counts().delivered).toBe(1);
    expect(target.calls.length).toBeGreaterThan(2);
  });

  it('a 4xx is failed at once (not dead), and retry sends it again with a fresh attempt count', async () => {
    let reject = true;
    const { outbox, clock, target, d } = setup({ maxAttempts: 2, deadLetterAfter: 0 }, () => (reject ? new CbmError('CBM_ERR_TARGET_REJECTED', 'HTTP 422') : undefined));
    outbox.enqueue(order(1), ['t'], 0);
    d.start();
    await settle(clock);
    expect(outbox.counts()).toMatchObject({ failed: 1, pending: 0 });
    reject = false;
    expect(outbox.retry('k-1', clock.now())).toEqual({ orderId: 'o-1', changed: 1 }); // by idempotency key
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ state: 'pending', attempts: 0 });
    d.wake();
    await settle(clock);
    expect(target.calls).toEqual(['k-1', 'k-1']);
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ state: 'delivered', externalId: 'ext-k-1', lastError: null });
    expect(outbox.retry('o-1', clock.now())).toEqual({ orderId: 'o-1', changed: 0 }); // nothing left to retry
    expect(outbox.retry('nope', clock.now())).toBeUndefined();
  });

  it('cancel stops pending, failed and dead deliveries, leaves delivered ones, and frees the queue', async () => {
    const { outbox, clock, target, d } = setup({ maxAttempts: 0, deadLetterAfter: 0 }, (k) => (k === 'k-1' ? down() : undefined));
    outbox.enqueue(order(1), ['t'], 0);
    outbox.enqueue(order(2), ['t'], 0);
    d.start();
    await settle(clock);
    expect(target.calls).toEqual(['k-1']);
    expect(outbox.cancel('o-1', clock.now())).toEqual({ orderId: 'o-1', changed: 1 });
    d.wake();
    await settle(clock);
    expect(target.calls).toEqual(['k-1', 'k-2']);
    expect(outbox.counts()).toMatchObject({ cancelled: 1, delivered: 1, pending: 0 });
    expect(outbox.cancel('o-2', clock.now())).toEqual({ orderId: 'o-2', changed: 0 });
    expect(outbox.resolve('ext-k-2')).toBe('o-2'); // by the target's external id
  });

  it('retry on a pending order skips the backoff wait', async () => {
    let fail = true;
    const { outbox, clock, target, d } = setup({ maxAttempts: 0, deadLetterAfter: 0 }, () => (fail ? down() : undefined));
    outbox.enqueue(order(1), ['t'], 0);
    d.start();
    await settle(clock);
    fail = false;
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ state: 'pending', attempts: 1, nextAt: 1000 });
    outbox.retry('o-1', clock.now());
    d.wake();
    await settle(clock);
    expect(target.calls).toEqual(['k-1', 'k-1']);
    expect(outbox.counts().delivered).toBe(1);
    expect(outbox.pending()).toEqual({ count: 0, oldestCreatedAt: undefined });
  });
});
