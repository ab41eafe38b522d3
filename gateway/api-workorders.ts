import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../src/core/clock.js';
import { CbmError } from '../src/core/errors.js';
import { DELIVERY_STATES, type Outbox, type WorkOrderRecord } from '../src/workorders/outbox.js';
import { statusReportSchema, type OrderStatusBook } from '../src/workorders/status.js';
import { actorName, type AuditSink } from './access.js';
import { limit } from './api-schemas.js';
import type { EventBus } from './events.js';

/** What the work-order routes need: the outbox, the status book and a way to wake the dispatcher. */
export interface WorkOrderApiDeps {
  clock: Clock;
  outbox: Pick<Outbox, 'list' | 'resolve' | 'retry' | 'cancel'>;
  status: Pick<OrderStatusBook, 'history' | 'applyReport'>;
  /** Shared secret for `POST /api/work-orders/status` (`X-CBM-Signature`). */
  statusSecret: string | undefined;
  /** Accept unsigned status reports (`workOrders.status.unsigned: true`). */
  statusUnsigned: boolean;
  /** After a retry: deliver now instead of at the next idle poll. */
  wakeDispatcher: () => void;
  audit: AuditSink;
  events: Pick<EventBus, 'publish'>;
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
      /** 0: the order itself; n: its n-th update. */
      update: x.updateSeq,
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
 * Who may report a status: a caller with credentials of role technician or above (checked by the
 * authentication layer), a body signed with the shared secret, or anyone where the config says
 * `unsigned: true`. Runs before the body is validated, so an unsigned probe learns nothing.
 */
function statusCaller(d: WorkOrderApiDeps, req: FastifyRequest): string {
  if (req.actor) return req.actor.name;
  const sig = req.headers['x-cbm-signature'];
  if (sig !== undefined) {
    if (d.statusSecret === undefined) throw new CbmError('CBM_ERR_UNAUTHORIZED', 'X-CBM-Signature sent, but no workOrders.status.secret is configured');
    if (!verifySignature(d.statusSecret, req.rawBody ?? Buffer.alloc(0), sig)) throw new CbmError('CBM_ERR_UNAUTHORIZED', 'bad X-CBM-Signature');
    return 'cmms (signed)';
  }
  if (d.statusUnsigned) return 'cmms (unsigned)';
  throw new CbmError(
    'CBM_ERR_UNAUTHORIZED',
    d.statusSecret === undefined
      ? 'status reports need an API token of role technician, or a signature with workOrders.status.secret (not configured), or workOrders.status.unsigned: true'
      : 'missing X-CBM-Signature: sha256=<HMAC-SHA256 of the body> (or send an API token of role technician)',
  );
}

const orderId = z.object({ id: z.string().min(1).describe('order id, idempotency key or the CMMS external id') });

/**
 * `/api/work-orders`: list (by asset, delivery state), one order, operator retry/cancel, and the
 * inbound status endpoint through which a CMMS reports progress (docs/operations.md: status back).
 */
export function registerWorkOrderRoutes(root: FastifyInstance, d: WorkOrderApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['work orders'];

  app.get(
    '/api/work-orders',
    { schema: { summary: 'Work orders, newest first, with delivery and CMMS status', tags, querystring: z.object({ asset: z.string().optional(), state: z.enum(DELIVERY_STATES).optional(), limit }) } },
    async (req) => d.outbox.list({ assetId: req.query.asset, state: req.query.state, limit: req.query.limit }).map((r) => orderView(r, d.status)),
  );

  app.get('/api/work-orders/:id', { schema: { summary: 'One work order', tags, params: orderId } }, async (req) => {
    const id = d.outbox.resolve(req.params.id);
    const r = id === undefined ? undefined : d.outbox.list({ orderId: id, limit: 1 })[0];
    if (!r) throw new CbmError('CBM_ERR_NOT_FOUND', `no work order "${req.params.id}" (by id, idempotency key or external id)`);
    return orderView(r, d.status);
  });

  const deliveries = (ref: string) => {
    const id = d.outbox.resolve(ref);
    return id === undefined ? undefined : d.outbox.list({ orderId: id, limit: 1 })[0]?.deliveries.map((x) => ({ target: x.targetId, state: x.state }));
  };
  const command = (verb: 'retry' | 'cancel') => async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const before = deliveries(req.params.id);
    const r = verb === 'retry' ? d.outbox.retry(req.params.id, d.clock.now()) : d.outbox.cancel(req.params.id, d.clock.now());
    if (!r) throw new CbmError('CBM_ERR_NOT_FOUND', `no work order "${req.params.id}"`);
    if (r.changed === 0) throw new CbmError('CBM_ERR_STATE_CONFLICT', `work order "${req.params.id}" has nothing to ${verb} (every delivery is delivered or cancelled)`);
    d.audit.record({ at: d.clock.now(), actor: actorName(req), action: `order.${verb}`, target: `order:${r.orderId}`, before: { deliveries: before }, after: { deliveries: deliveries(r.orderId) } });
    d.events.publish('order', { kind: verb === 'retry' ? 'retried' : 'cancelled', id: r.orderId, deliveries: r.changed });
    if (verb === 'retry') d.wakeDispatcher();
    return verb === 'retry' ? { id: r.orderId, retried: r.changed } : { id: r.orderId, cancelled: r.changed };
  };
  const body = z.object({}).nullish();
  app.post('/api/work-orders/:id/retry', { config: { role: 'technician' }, schema: { summary: 'Send failed or dead-lettered deliveries again', tags, params: orderId, body } }, command('retry'));
  app.post('/api/work-orders/:id/cancel', { config: { role: 'admin' }, schema: { summary: 'Stop delivering an order', tags, params: orderId, body } }, command('cancel'));

  app.post(
    '/api/work-orders/status',
    {
      config: { role: 'technician', open: 'signed' },
      schema: { summary: 'The CMMS reports an order status (signed with X-CBM-Signature, or an API token)', tags, body: statusReportSchema },
      preValidation: async (req) => void (req.statusCaller = statusCaller(d, req)),
    },
    async (req) => {
      const before = d.outbox.resolve(req.body.idempotencyKey ?? req.body.externalId ?? req.body.id ?? '');
      const prev = before === undefined ? undefined : d.outbox.list({ orderId: before, limit: 1 })[0]?.status;
      const r = d.status.applyReport(req.body);
      if (!r) throw new CbmError('CBM_ERR_NOT_FOUND', 'no work order with that idempotencyKey, externalId or id');
      if (r.result === 'applied') d.audit.record({ at: d.clock.now(), actor: req.statusCaller ?? 'cmms', action: 'order.status', target: `order:${r.order.id}`, before: { status: prev }, after: { status: r.status, notes: req.body.notes, technician: req.body.technician } });
      return { id: r.order.id, idempotencyKey: r.order.idempotencyKey, result: r.result, status: r.status };
    },
  );

  app.get(
    '/api/assets/:id/work-orders',
    { schema: { summary: "An asset's work orders with their status history", tags, params: z.object({ id: z.string().min(1) }), querystring: z.object({ limit }) } },
    async (req) => d.outbox.list({ assetId: req.params.id, limit: req.query.limit }).map((r) => orderView(r, d.status)),
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who reported a status: a user or token, or the CMMS by its signature. */
    statusCaller?: string;
  }
}
