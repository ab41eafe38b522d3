import type { WorkOrder } from './model.js';
import type { OrderUpdate } from './update.js';

/** Work-order status as the CMMS reports it back (inbound endpoint or polling). */
export type WorkOrderStatus = 'open' | 'in_progress' | 'completed' | 'cancelled';

export interface StatusUpdate {
  idempotencyKey: string;
  externalId: string | undefined;
  status: WorkOrderStatus;
  /** The technician's resolution or cancellation notes. */
  notes: string | undefined;
  technician: string | undefined;
  /** When the CMMS changed it (ISO 8601). */
  at: string;
}

/** A delivered order a target can be asked about. */
export interface OpenOrderRef {
  orderId: string;
  idempotencyKey: string;
  externalId: string | undefined;
}

/** The order an update is for: the target's id for it (when it gave one) and the order as sent. */
export interface UpdateRef {
  externalId: string | undefined;
  order: WorkOrder;
}

/**
 * A place work orders go (a webhook, an MQTT broker, a CMMS API). Lifecycle: construct from
 * config → `send` per order (many, concurrently across assets) → `close` once.
 *
 * `send` delivers one order and resolves with the target's id for it. It throws a `CbmError`
 * whose `retryable` says whether trying again can help (`CBM_ERR_TARGET_UNAVAILABLE`,
 * `CBM_ERR_TARGET_TIMEOUT`) or not (`CBM_ERR_TARGET_REJECTED`). Where the API allows, a target
 * first looks the order up by its idempotency key, so a retry never creates a second order.
 *
 * `update` carries a change to an order the target already has (another alarm episode of its
 * failure-mode group, an escalation, orders held by a flood guard): it names the order by the
 * `externalId` the target gave (when it gave one) and by the order's idempotency key, and applies
 * the update once per `update.idempotencyKey`. `ref.order` is the order as it was sent (a target
 * that cannot be asked, like MQTT, addresses the update by it). It throws as `send` does; an order
 * the CMMS does not know is a permanent rejection.
 *
 * `pollStatus`, where the CMMS API allows reading orders back, returns the status of those
 * delivered orders that changed (in progress, completed, cancelled) with the technician's notes.
 */
export interface WorkOrderTarget {
  readonly id: string;
  readonly type: string;
  send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }>;
  update?(update: OrderUpdate, ref: UpdateRef, signal: AbortSignal): Promise<void>;
  pollStatus?(open: readonly OpenOrderRef[], signal: AbortSignal): Promise<StatusUpdate[]>;
  close(): Promise<void>;
}
