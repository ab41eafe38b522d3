import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { CbmError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { openStore, type Db } from '../../../src/store/db.js';
import { Outbox } from '../../../src/workorders/outbox.js';
import { OrderStatusBook, statusReportSchema, type OrderStatusEvent } from '../../../src/workorders/status.js';
import { StatusPoller } from '../../../src/workorders/status-poller.js';
import type { OpenOrderRef, StatusUpdate, WorkOrderTarget } from '../../../src/workorders/target.js';
import { order, settle } from './fixtures.js';

let db: Db;
afterEach(() => db?.close());

function setup() {
  db = openStore(':memory:');
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const outbox = new Outbox(db);
  const book = new OrderStatusBook(db, clock, silentLogger);
  outbox.enqueue(order(1), ['cmms'], clock.now());
  outbox.enqueue(order(2, 'p-2'), ['cmms'], clock.now());
  const [d1, d2] = outbox.due(clock.now(), 10);
  outbox.markDelivered(d1!.seq, 'WO-1', clock.now());
  outbox.markDelivered(d2!.seq, 'WO-2', clock.now());
  const events: OrderStatusEvent[] = [];
  book.onStatus((e) => {
    // Called after the commit: the status is already readable.
    expect(outbox.list({ orderId: e.order.id })[0]!.status).toBe(e.update.status);
    events.push(e);
  });
  return { clock, outbox, book, events };
}

const report = (o: Record<string, unknown>) => statusReportSchema.parse(o);

describe('status back', () => {
  it('records an inbound report by key, keeps history, and tells the listener once', () => {
    const { book, outbox, events } = setup();
    const r = book.applyReport(report({ idempotencyKey: 'k-1', status: 'in_progress', technician: 'J. Ortiz', at: '2026-01-01T10:00:00Z' }));
    expect(r).toMatchObject({ result: 'applied', status: 'in_progress', order: { id: 'o-1', assetId: 'p-1', ruleId: 'r', episode: 1 } });
    // The CMMS repeats its callback: stored once, no second event.
    expect(book.applyReport(report({ idempotencyKey: 'k-1', status: 'in_progress', technician: 'J. Ortiz', at: '2026-01-01T10:00:00Z' }))?.result).toBe('duplicate');
    // By the target's external id, with the technician's notes.
    expect(book.applyReport(report({ externalId: 'WO-1', status: 'completed', notes: 'Replaced bearing 6205', at: '2026-01-01T12:00:00Z' }))?.result).toBe('applied');
    expect(events.map((e) => [e.order.id, e.previous, e.update.status, e.source])).toEqual([
      ['o-1', 'open', 'in_progress', 'inbound'],
      ['o-1', 'in_progress', 'completed', 'inbound'],
    ]);
    expect(events[1]!.update).toMatchObject({ notes: 'Replaced bearing 6205', idempotencyKey: 'k-1', at: '2026-01-01T12:00:00.000Z' });
    const rec = outbox.list({ assetId: 'p-1' })[0]!;
    expect(rec.status).toBe('completed');
    expect(book.history('o-1').map((h) => [h.status, h.technician, h.notes])).toEqual([
      ['in_progress', 'J. Ortiz', null],
      ['completed', null, 'Replaced bearing 6205'],
    ]);
  });

  it('an older report is kept in the history but does not change the current status', () => {
    const { book, outbox, events } = setup();
    book.applyReport(report({ id: 'o-2', status: 'completed', at: '2026-01-01T12:00:00Z' }));
    expect(book.applyReport(report({ id: 'o-2', status: 'in_progress', at: '2026-01-01T11:00:00Z' }))?.result).toBe('older');
    expect(outbox.list({ orderId: 'o-2' })[0]!.status).toBe('completed');
    expect(book.history('o-2')).toHaveLength(2);
    expect(events).toHaveLength(1);
  });

  it('rejects reports that name no order or no known order; a throwing listener does not stop the others', () => {
    const { book, events } = setup();
    expect(statusReportSchema.safeParse({ status: 'completed' }).success).toBe(false);
    expect(statusReportSchema.safeParse({ id: 'o-1', status: 'done' }).success).toBe(false);
    expect(book.applyReport(report({ idempotencyKey: 'nope', status: 'completed' }))).toBeUndefined();
    book.onStatus(() => {
      throw new Error('boom');
    });
    expect(book.applyReport(report({ id: 'o-1', status: 'cancelled', notes: 'duplicate of WO-0' }))?.result).toBe('applied');
    expect(events).toHaveLength(1);
  });

  it('polls targets that implement pollStatus on the configured interval, only for open orders', async () => {
    const { clock, book, events } = setup();
    const asked: string[][] = [];
    let err: Error | undefined = new CbmError('CBM_ERR_TARGET_UNAVAILABLE', 'HTTP 503');
    const target: WorkOrderTarget = {
      id: 'cmms',
      type: 'fake',
      send: async () => ({ externalId: undefined }),
      close: async () => {},
      pollStatus: async (open: readonly OpenOrderRef[]): Promise<StatusUpdate[]> => {
        asked.push(open.map((o) => o.externalId ?? ''));
        if (err) throw err;
        return open
          .filter((o) => o.externalId === 'WO-2')
          .map((o) => ({ idempotencyKey: o.idempotencyKey, externalId: o.externalId, status: 'completed', notes: 'Impeller cleaned', technician: 'A. Kim', at: new Date(clock.now()).toISOString() }));
      },
    };
    const poller = new StatusPoller({ book, targets: new Map([['cmms', target]]), clock, log: silentLogger, interval: 60_000 });
    poller.start();
    await settle(clock, 59_000);
    expect(asked).toHaveLength(0);
    await settle(clock, 1_000);
    expect(asked).toEqual([['WO-1', 'WO-2']]);
    expect(poller.errors).toBe(1); // a failing CMMS is asked again next round
    err = undefined;
    await settle(clock, 60_000);
    expect(events.map((e) => [e.order.id, e.update.status, e.source, e.update.technician])).toEqual([['o-2', 'completed', 'poll', 'A. Kim']]);
    await settle(clock, 60_000);
    expect(asked[2]).toEqual(['WO-1']); // completed orders are no longer asked about
    expect(events).toHaveLength(1);
    await poller.stop();
  });
});
