import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { CbmError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { openStore, type Db } from '../../../src/store/db.js';
import { backoffDelay } from '../../../src/workorders/backoff.js';
import { Dispatcher } from '../../../src/workorders/dispatcher.js';
import { Outbox } from '../../../src/workorders/outbox.js';
import type { WorkOrder } from '../../../src/workorders/model.js';
import type { WorkOrderTarget } from '../../../src/workorders/target.js';
import { order, ScriptedTarget } from './fixtures.js';

const retry = { initialDelay: 1000, maxDelay: 60_000, factor: 2, maxAttempts: 0, deadLetterAfter: 0 };
let db: Db;
afterEach(() => db?.close());

/** Lets the dispatcher run until it waits on the clock again, then moves the clock by `ms`. */
async function settle(clock: ManualClock, ms = 0) {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await clock.advance(ms);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('outbox + dispatcher', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, retry, () => 0)).toBe(500);
    expect(backoffDelay(1, retry, () => 1)).toBe(1000);
    expect(backoffDelay(3, retry, () => 1)).toBe(4000);
    expect(backoffDelay(30, retry, () => 1)).toBe(60_000);
  });

  it('retries until the target accepts, then records the external id', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const clock = new ManualClock(0);
    const target = new ScriptedTarget('t', (_k, n) => (n <= 2 ? new CbmError('CBM_ERR_TARGET_UNAVAILABLE', 'HTTP 503') : undefined));
    const d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry, concurrency: 2, random: () => 1, idlePoll: 10_000 });
    outbox.enqueue(order(1), ['t'], 0);
    d.start();
    await settle(clock);
    expect(target.calls).toEqual(['k-1']);
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ state: 'pending', attempts: 1, nextAt: 1000, lastError: 'HTTP 503' });
    await settle(clock, 1000);
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ attempts: 2, nextAt: 3000 }); // second delay 2 s
    await settle(clock, 2000);
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ state: 'delivered', attempts: 3, externalId: 'ext-k-1', lastError: null });
    await d.stop();
  });

  it('due() returns the due queue heads, as many as each call asks for', () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    // Five assets, two orders each: only the first of each asset is a queue head.
    for (let a = 0; a < 5; a++) for (let k = 0; k < 2; k++) outbox.enqueue(order(a * 10 + k, `p-${a}`), ['t'], 0);
    for (const limit of [1, 3, 5, 8, 3, 1]) {
      const heads = outbox.due(0, limit);
      expect(heads).toHaveLength(Math.min(limit, 5));
      expect(new Set(heads.map((d) => d.assetId)).size).toBe(heads.length);
    }
    expect(outbox.due(-1, 8)).toHaveLength(0); // nothing due before its time
  });

  it('wake() ends the idle wait at once, every time, and stop() ends it too', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const clock = new ManualClock(0);
    const target = new ScriptedTarget('t', () => undefined);
    const d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry, concurrency: 1, idlePoll: 60_000 });
    d.start();
    await settle(clock);
    // The clock never moves: only a wake can get these orders out before the 60 s idle poll.
    for (let i = 1; i <= 3; i++) {
      outbox.enqueue(order(i), ['t'], 0);
      d.wake();
      await settle(clock);
      expect(target.calls).toHaveLength(i);
    }
    expect(outbox.counts()).toMatchObject({ delivered: 3, pending: 0 });
    let stopped = false;
    const stopping = d.stop().then(() => (stopped = true));
    await settle(clock);
    expect(stopped).toBe(true);
    await stopping;
  });

  it('keeps a permanently refused order for inspection and moves on', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const clock = new ManualClock(0);
    const target = new ScriptedTarget('t', (k) => (k === 'k-1' ? new CbmError('CBM_ERR_TARGET_REJECTED', 'HTTP 422 bad asset') : undefined));
    const d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry, concurrency: 1, idlePoll: 10_000 });
    outbox.enqueue(order(1), ['t'], 0);
    outbox.enqueue(order(2), ['t'], 0);
    d.start();
    await settle(clock);
    expect(outbox.counts()).toMatchObject({ failed: 1, delivered: 1, pending: 0 });
    expect(outbox.list({ state: 'failed' })[0]!.deliveries[0]).toMatchObject({ lastError: 'HTTP 422 bad asset', attempts: 1 });
    await d.stop();
  });

  it('delivers one asset in order: a later order waits behind a retrying one', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const clock = new ManualClock(0);
    let down = true;
    const target = new ScriptedTarget('t', () => (down ? new CbmError('CBM_ERR_TARGET_UNAVAILABLE', 'down') : undefined));
    const d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry, concurrency: 4, random: () => 1, idlePoll: 10_000 });
    outbox.enqueue(order(1, 'p-1'), ['t'], 0);
    outbox.enqueue(order(2, 'p-1'), ['t'], 0);
    outbox.enqueue(order(3, 'p-2'), ['t'], 0);
    d.start();
    await settle(clock);
    expect(target.calls.sort()).toEqual(['k-1', 'k-3']); // k-2 waits behind k-1
    down = false;
    await settle(clock, 1000);
    await settle(clock);
    expect(target.calls.indexOf('k-2')).toBeGreaterThan(target.calls.lastIndexOf('k-1'));
    expect(outbox.counts().delivered).toBe(3);
    await d.stop();
  });

  it('refuses a second order with the same idempotency key', () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    expect(outbox.enqueue(order(1), ['t'], 0)).toBe(true);
    expect(outbox.enqueue({ ...order(1), id: 'other' }, ['t'], 0)).toBe(false);
    expect(outbox.counts().pending).toBe(1);
  });
});

describe('dispatcher and a failing store', () => {
  it('never stops on a store error: counts it, backs off, and delivers once the store answers again', async () => {
    db = openStore(':memory:');
    const real = new Outbox(db);
    let failures = 3;
    // The store refuses reads and writes as a full or broken disk does (SQLITE_FULL / SQLITE_IOERR).
    const broken = (op: string) => () => {
      const e = Object.assign(new Error(`${op}: database or disk is full`), { code: 'SQLITE_FULL' });
      throw e;
    };
    const outbox = new Proxy(real, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'due' && failures > 0) return (...a: unknown[]) => (failures--, broken('due')(), (v as (...x: unknown[]) => unknown).apply(target, a));
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const clock = new ManualClock(0);
    const target = new ScriptedTarget('t', () => undefined);
    const d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry, concurrency: 2, random: () => 1, idlePoll: 10_000 });
    real.enqueue(order(1), ['t'], 0);
    d.start();
    await settle(clock);
    expect(d.stats).toMatchObject({ loopErrors: 1, failing: true });
    expect(d.stats.lastLoopError).toMatch(/full/);
    expect(target.calls).toEqual([]);
    await settle(clock, 10_000);
    await settle(clock, 10_000);
    await settle(clock, 10_000);
    expect(d.stats.loopErrors).toBe(3);
    expect(target.calls).toEqual(['k-1']);
    expect(d.stats.failing).toBe(false);
    expect(real.list()[0]!.deliveries[0]).toMatchObject({ state: 'delivered' });
    await d.stop();
  });
});

describe('dispatcher shutdown', () => {
  /** A target whose answers the test releases one by one (or never). */
  class GatedTarget implements WorkOrderTarget {
    readonly type = 'gated';
    readonly id = 't';
    calls: string[] = [];
    private gates: (() => void)[] = [];
    async send(o: WorkOrder, signal: AbortSignal) {
      this.calls.push(o.idempotencyKey);
      await new Promise<void>((resolve, reject) => {
        this.gates.push(resolve);
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
      return { externalId: `ext-${o.idempotencyKey}` };
    }
    release(): void {
      for (const g of this.gates.splice(0)) g();
    }
    async close() {}
  }

  it('drains: deliveries in flight finish and due ones go out before stop() resolves', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const clock = new ManualClock(0);
    const target = new GatedTarget();
    const d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry, concurrency: 2, idlePoll: 10_000 });
    for (let i = 1; i <= 4; i++) outbox.enqueue(order(i, `p-${i}`), ['t'], 0);
    d.start();
    await settle(clock);
    expect(target.calls).toHaveLength(2); // two in flight (concurrency 2)
    let stopped = false;
    const stopping = d.stop(20_000).then(() => (stopped = true));
    for (let k = 0; k < 3; k++) {
      target.release();
      await settle(clock);
    }
    await stopping;
    expect(stopped).toBe(true);
    expect(outbox.counts()).toMatchObject({ delivered: 4, pending: 0 });
  });

  it('a hanging target: at the end of the drain time the delivery is aborted and stays pending for the next start', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const clock = new ManualClock(0);
    const target = new GatedTarget();
    const d = new Dispatcher({ outbox, targets: new Map([['t', target]]), clock, log: silentLogger, retry, concurrency: 2, idlePoll: 10_000 });
    outbox.enqueue(order(1), ['t'], 0);
    d.start();
    await settle(clock);
    let stopped = false;
    const stopping = d.stop(5_000).then(() => (stopped = true));
    await settle(clock, 4_999);
    expect(stopped).toBe(false); // still draining
    await settle(clock, 1);
    await stopping;
    expect(stopped).toBe(true);
    expect(outbox.list()[0]!.deliveries[0]).toMatchObject({ state: 'pending', attempts: 0 });
  });
});
