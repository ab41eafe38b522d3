import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Clock } from '../src/core/clock.js';
import { CbmError } from '../src/core/errors.js';
import { DELIVERY_STATES, type DeliveryState, type Outbox, type WorkOrderRecord } from '../src/workorders/outbox.js';
import { statusReportSchema, type OrderStatusBook } from '../src/workorders/status.js';

/** What the work-order routes need: the outbox, the status book and a way to wake the dispatcher. */
export interface WorkOrderApiDeps {
  clock: Clock;
  outbox: Pick<Outbox, 'list' | 'resolve' | 'retry' | 'cancel'>;
  status: Pick<OrderStatusBook, 'history' | 'applyReport'>;
  /** Shared secret for `POST /api/work-orders/status` (`X-CBM-Signature`); none = open. */
  statusSecret: string | undefined;
  /** After a retry: deliver now instead of at the next idle poll. */
  wakeDispatcher: () => void;
}

const iso = (t: number | null | undefined) => (t ? new Date(t).toISOString() : null);

/** An order as the API shows it: the webhook JSON plus CMMS status, its history and each delivery. */
export function orderView(r: WorkOrderRecord, status: Pick<OrderStatusBook, 'history'>) {
  return {
    ...r.order,
    kind: r.kind,
    currentPriority: r.currentPriority,
    updates: r.updates.map((u) => ({ sequence: u.sequence, priority: u.priority, previousPriority: u.previousPriority, escalated: u.escalated, at: u.at, note: u.note })),
    status: r.status,
    statusAt: iso(r.statusAt),
    statusHistory: status.history(r.order.id),
    deliveries: r.deliveries.map((x) => ({
      target: x.targetId,
      state: x.state,
      attempts: x.attempts,
      lastError: x.lastError,
      externalId: x.externalId,
      nextAttemptAt: x.state === 'pending' ? iso(x.nextAt) : null,
      deliveredAt: iso(x.deliveredAt),
      updatedAt: iso(x.updatedAt),
    })),
  };
}

function verifySignature(secret: string, raw: Buffer, header: unknown): boolean {
  const want = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  const got = typeof header === 'string' ? header : '';
  return got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want));
}

/**
 * `/api/work-orders`: list (by asset, delivery state), one order, operator retry/cancel, and the
 * inbound status endpoint through which a CMMS reports progress (README: status back).
 */
export function workOrderRoutes(d: WorkOrderApiDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // The signature covers the raw bytes, so this scope parses JSON itself and keeps them.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      (req as { rawBody?: Buffer }).rawBody = body as Buffer;
      if ((body as Buffer).length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')));
      } catch {
        done(new CbmError('CBM_ERR_BAD_REQUEST', 'body is not JSON'), undefined);
      }
    });

    app.get<{ Querystring: { asset?: string; state?: string; limit?: string } }>('/api/work-orders', async (req) => {
      const { asset, state } = req.query;
      if (state !== undefined && !DELIVERY_STATES.includes(state as DeliveryState)) {
        throw new CbmError('CBM_ERR_BAD_REQUEST', `state must be one of ${DELIVERY_STATES.join(', ')}`);
      }
      const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
      return d.outbox.list({ assetId: asset, state: state as DeliveryState | undefined, limit }).map((r) => orderView(r, d.status));
    });

    app.get<{ Params: { id: string } }>('/api/work-orders/:id', async (req) => {
      const id = d.outbox.resolve(req.params.id);
      const r = id === undefined ? undefined : d.outbox.list({ orderId: id, limit: 1 })[0];
      if (!r) throw new CbmError('CBM_ERR_NOT_FOUND', `no work order "${req.params.id}" (by id, idempotency key or external id)`);
      return orderView(r, d.status);
    });

    app.post<{ Params: { id: string } }>('/api/work-orders/:id/retry', async (req) => {
      const r = d.outbox.retry(req.params.id, d.clock.now());
      if (!r) throw new CbmError('CBM_ERR_NOT_FOUND', `no work order "${req.params.id}"`);
      if (r.changed === 0) throw new CbmError('CBM_ERR_STATE_CONFLICT', `work order "${req.params.id}" has nothing to retry (every delivery is delivered or cancelled)`);
      d.wakeDispatcher();
      return { id: r.orderId, retried: r.changed };
    });

    app.post<{ Params: { id: string } }>('/api/work-orders/:id/cancel', async (req) => {
      const r = d.outbox.cancel(req.params.id, d.clock.now());
      if (!r) throw new CbmError('CBM_ERR_NOT_FOUND', `no work order "${req.params.id}"`);
      if (r.changed === 0) throw new CbmError('CBM_ERR_STATE_CONFLICT', `work order "${req.params.id}" has nothing to cancel (every delivery is delivered or cancelled)`);
      return { id: r.orderId, cancelled: r.changed };
    });

    app.post('/api/work-orders/status', async (req) => {
      if (d.statusSecret !== undefined) {
        const raw = (req as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
        if (!verifySignature(d.statusSecret, raw, req.headers['x-cbm-signature'])) throw new CbmError('CBM_ERR_UNAUTHORIZED', 'bad or missing X-CBM-Signature');
      }
      const parsed = statusReportSchema.safeParse(req.body);
      if (!parsed.success) {
        throw new CbmError('CBM_ERR_BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      }
      const r = d.status.applyReport(parsed.data);
      if (!r) throw new CbmError('CBM_ERR_NOT_FOUND', 'no work order with that idempotencyKey, externalId or id');
      return { id: r.order.id, idempotencyKey: r.order.idempotencyKey, result: r.result, status: r.status };
    });

    app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/api/assets/:id/work-orders', async (req) => {
      const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
      return d.outbox.list({ assetId: req.params.id, limit }).map((r) => orderView(r, d.status));
    });
  };
}
