import { afterEach, expect, it } from 'vitest';
import { CbmError } from '../../src/core/errors.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Priority } from '../../src/core/priority.js';
import { openStore, type Db } from '../../src/store/db.js';
import { Dispatcher } from '../../src/workorders/dispatcher.js';
import type { WorkOrder } from '../../src/workorders/model.js';
import { Outbox } from '../../src/workorders/outbox.js';
import type { WorkOrderTarget } from '../../src/workorders/target.js';
import { updateKey, type OrderUpdate } from '../../src/workorders/update.js';
import { waitFor } from '../helpers/servers.js';
import { sampleOrder } from './target-contract.js';

/** How the order-update cases see a target's CMMS (part of `ContractHarness`). */
export interface UpdateHarness {
  count(): number;
  /** What the CMMS holds for the order made for `key`: its priority as the CMMS writes it, and the notes appended to it. */
  inspect(ref: { key: string; externalId: string | undefined }): { priority: unknown; notes: string[] } | undefined;
  /** The CMMS value the harness's target writes for our priority (its priority mapping). */
  priorityValue(p: Priority): unknown;
  /** The next update is applied, then its answer is lost. */
  loseNextUpdate(): void;
  failNext?(n: number, status: number): void;
  /** A planner sets the order's priority in the CMMS (to the value our `p` maps to). */
  setPriority?(ref: { key: string; externalId: string | undefined }, p: Priority): void;
  /** MQTT: nothing can answer "unknown order"; the consumer holds such updates, and this counts them. */
  orphanUpdates?(): number;
  /** An id of the CMMS's kind that names no record (targets that return external ids). */
  unknownExternalId?: string;
  atLeastOnce?: boolean;
}

const signal = () => AbortSignal.timeout(20_000);

/** An update of `o` as the work-order stage makes it: another episode of its rule, optionally an escalation. */
export function sampleUpdate(o: WorkOrder, over: { sequence?: number; priority?: Priority; previousPriority?: Priority } = {}): OrderUpdate {
  const sequence = over.sequence ?? 1;
  const previousPriority = over.previousPriority ?? o.priority;
  const priority = over.priority ?? previousPriority;
  const ts = new Date().toISOString();
  const episode = o.rule.episode + sequence;
  const escalated = priority < previousPriority;
  const note = `${ts}: ${o.rule.name} raised, episode ${episode} (pump-101.de_bearing_temp 97 °C > 90 °C).${escalated ? ` Priority raised from P${previousPriority} to P${priority}.` : ''}`;
  return {
    event: 'work_order.updated',
    id: o.id,
    orderIdempotencyKey: o.idempotencyKey,
    idempotencyKey: updateKey(o.idempotencyKey, sequence),
    sequence,
    gatewayId: o.gatewayId,
    site: o.site,
    asset: { id: o.asset.id, name: o.asset.name, path: o.asset.path },
    priority,
    previousPriority,
    escalated,
    at: ts,
    note,
    events: [{ ts, rule: { ...o.rule, episode }, priority, note, evidence: o.evidence }],
  };
}

/** What the outbox does with an update: try, and on a retryable error try again. */
async function deliverUpdate(t: WorkOrderTarget, u: OrderUpdate, ref: { externalId: string | undefined; order: WorkOrder }): Promise<CbmError[]> {
  const failures: CbmError[] = [];
  for (let i = 0; i < 60; i++) {
    try {
      await t.update!(u, ref, signal());
      return failures;
    } catch (e) {
      if (!(e instanceof CbmError) || !e.retryable) throw e;
      failures.push(e);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`update not delivered: ${failures.at(-1)?.message}`);
}

const occurrences = (notes: string[], s: string) => notes.join('\n').split(s).length - 1;

/**
 * The order-update cases of the `WorkOrderTarget` contract, run inside `targetContract` against
 * every target and its simulator: the update reaches the same order (priority raised through the
 * target's mapping, note appended), is applied once per key whatever the retries, and an update
 * for an order the CMMS does not know fails for good. Then the same through the outbox and the
 * dispatcher: the order first, its update after, on the same record.
 */
export function updateContract(h: UpdateHarness, target: () => WorkOrderTarget): void {
  const ref = (o: WorkOrder, externalId: string | undefined) => ({ key: o.idempotencyKey, externalId });
  const firstLine = (u: OrderUpdate) => u.note.split('\n')[0]!;

  it('an update reaches the same order: note appended, priority raised, no new order', async () => {
    const t = target();
    expect(t.update).toBeTypeOf('function');
    const o = sampleOrder({ priority: 3 });
    const { externalId } = await t.send(o, signal());
    const before = h.count();
    const u = sampleUpdate(o, { priority: 2 });
    await t.update!(u, { externalId, order: o }, signal());
    const seen = h.inspect(ref(o, externalId))!;
    expect(seen.notes.join('\n')).toContain(firstLine(u));
    expect(occurrences(seen.notes, u.idempotencyKey)).toBe(1);
    expect(seen.priority).toEqual(h.priorityValue(2));
    expect(h.count()).toBe(before);
  });

  it('without the external id, the update finds its order by the order key', async () => {
    const t = target();
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    const other = sampleOrder();
    await t.send(other, signal());
    const u = sampleUpdate(o);
    await t.update!(u, { externalId: undefined, order: o }, signal());
    expect(occurrences(h.inspect(ref(o, externalId))!.notes, u.idempotencyKey)).toBe(1);
    expect(occurrences(h.inspect(ref(other, undefined))?.notes ?? [], u.idempotencyKey)).toBe(0);
  });

  it('the same update sent again (a retry after success) is applied once; the next one is applied too', async () => {
    const t = target();
    const o = sampleOrder();
    const { externalId } = await t.send(o, signal());
    const u1 = sampleUpdate(o, { sequence: 1 });
    await t.update!(u1, { externalId, order: o }, signal());
    await t.update!(u1, { externalId, order: o }, signal());
    const u2 = sampleUpdate(o, { sequence: 2 });
    await t.update!(u2, { externalId, order: o }, signal());
    const notes = h.inspect(ref(o, externalId))!.notes;
    expect(occurrences(notes, u1.idempotencyKey)).toBe(1);
    expect(occurrences(notes, u2.idempotencyKey)).toBe(1);
  });

  it('a retried update after a lost answer is applied once', async () => {
    const t = target();
    const o = sampleOrder({ priority: 4 });
    const { externalId } = await t.send(o, signal());
    const u = sampleUpdate(o, { priority: 3 });
    h.loseNextUpdate();
    const first = await t.update!(u, { externalId, order: o }, signal()).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The answer was lost, so the target cannot know the update landed: it must say "try again".
    if (!h.atLeastOnce || first !== undefined) {
      expect(first).toBeInstanceOf(CbmError);
      expect((first as CbmError).retryable).toBe(true);
    }
    expect(occurrences(h.inspect(ref(o, externalId))!.notes, u.idempotencyKey)).toBe(1);
    await deliverUpdate(t, u, { externalId, order: o });
    const seen = h.inspect(ref(o, externalId))!;
    expect(occurrences(seen.notes, u.idempotencyKey)).toBe(1);
    expect(seen.priority).toEqual(h.priorityValue(3));
  });

  if (h.orphanUpdates) {
    it('an update for an order the consumer does not know is held by it, not applied anywhere (MQTT cannot refuse)', async () => {
      const t = target();
      const o = sampleOrder();
      const before = h.orphanUpdates!();
      await t.update!(sampleUpdate(o), { externalId: undefined, order: o }, signal());
      expect(h.orphanUpdates!()).toBe(before + 1);
      expect(h.inspect(ref(o, undefined))).toBeUndefined();
    });
  } else {
    it('an update for an order the CMMS does not know fails for good, saying so', async () => {
      const t = target();
      const o = sampleOrder();
      const refs: (string | undefined)[] = [undefined, ...(h.unknownExternalId ? [h.unknownExternalId] : [])];
      for (const externalId of refs) {
        const e = await t.update!(sampleUpdate(o), { externalId, order: o }, signal()).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e, `externalId ${externalId}`).toBeInstanceOf(CbmError);
        expect((e as CbmError).code).toBe('CBM_ERR_TARGET_REJECTED');
        expect((e as CbmError).retryable).toBe(false);
        expect((e as CbmError).message).toMatch(/does not exist|not found|404|no order/i);
      }
    });
  }

  it("an escalation's priority maps through the target's priority mapping", async () => {
    const t = target();
    const o = sampleOrder({ priority: 4 });
    const { externalId } = await t.send(o, signal());
    await t.update!(sampleUpdate(o, { priority: 1 }), { externalId, order: o }, signal());
    expect(h.inspect(ref(o, externalId))!.priority).toEqual(h.priorityValue(1));
  });

  if (h.setPriority) {
    it("a planner's priority stays unless an escalation goes beyond it", async () => {
      const t = target();
      const o = sampleOrder({ priority: 3 });
      const { externalId } = await t.send(o, signal());
      h.setPriority!(ref(o, externalId), 4);
      await t.update!(sampleUpdate(o, { sequence: 1 }), { externalId, order: o }, signal());
      expect(h.inspect(ref(o, externalId))!.priority).toEqual(h.priorityValue(4));
      h.setPriority!(ref(o, externalId), 1);
      await t.update!(sampleUpdate(o, { sequence: 2, priority: 2 }), { externalId, order: o }, signal());
      expect(h.inspect(ref(o, externalId))!.priority).toEqual(h.priorityValue(1));
      expect(h.inspect(ref(o, externalId))!.notes.join('\n')).toContain('Priority raised from P3 to P2');
    });
  }

  if (h.failNext) {
    it('HTTP 503 during an update is retryable; the retry applies it once', async () => {
      const t = target();
      const o = sampleOrder();
      const { externalId } = await t.send(o, signal());
      const u = sampleUpdate(o);
      h.failNext!(1, 503);
      const failures = await deliverUpdate(t, u, { externalId, order: o });
      expect(failures.map((f) => f.code)).toEqual(['CBM_ERR_TARGET_UNAVAILABLE']);
      expect(occurrences(h.inspect(ref(o, externalId))!.notes, u.idempotencyKey)).toBe(1);
    });
  }

  let db: Db | undefined;
  afterEach(() => {
    db?.close();
    db = undefined;
  });

  it('through the outbox and the dispatcher: the order lands first, then its update on that order', async () => {
    db = openStore(':memory:');
    const outbox = new Outbox(db);
    const t = target();
    const dispatcher = new Dispatcher({
      outbox,
      targets: new Map([['x', t]]),
      clock: systemClock,
      log: silentLogger,
      retry: { initialDelay: 20, maxDelay: 100, factor: 2, maxAttempts: 0, deadLetterAfter: 0 },
      concurrency: 4,
      idlePoll: 50,
    });
    const o = sampleOrder({ priority: 3 });
    const now = Date.now();
    outbox.enqueue(o, ['x'], now);
    const { sequence: _s, idempotencyKey: _k, ...draft } = sampleUpdate(o, { priority: 1 });
    const queued = outbox.enqueueUpdate(draft, ['x'], now, now)!;
    // The order's first attempt fails: its update, due at once, must still wait behind it.
    h.failNext?.(1, 503);
    const before = h.count();
    dispatcher.start();
    try {
      await waitFor('order and update delivered', () => (outbox.counts().delivered === 2 ? true : undefined), 20_000, 20);
    } finally {
      await dispatcher.stop();
    }
    const [rec] = outbox.list({ orderId: o.id });
    const [orderDelivery, updateDelivery] = rec!.deliveries;
    expect(orderDelivery).toMatchObject({ updateSeq: 0, state: 'delivered' });
    expect(updateDelivery).toMatchObject({ updateSeq: 1, state: 'delivered', attempts: 1 });
    expect(updateDelivery!.deliveredAt!).toBeGreaterThanOrEqual(orderDelivery!.deliveredAt!);
    if (h.failNext) expect(orderDelivery!.attempts).toBe(2);
    expect(h.count()).toBe(before + 1);
    const seen = h.inspect(ref(o, orderDelivery!.externalId ?? undefined))!;
    expect(occurrences(seen.notes, queued.idempotencyKey)).toBe(1);
    expect(seen.priority).toEqual(h.priorityValue(1));
  });
}
