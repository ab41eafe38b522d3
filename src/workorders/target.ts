import type { WorkOrder } from './model.js';

/**
 * A place work orders go (a webhook, an MQTT broker, a CMMS API). Lifecycle: construct from
 * config → `send` per order (many, concurrently across assets) → `close` once.
 *
 * `send` delivers one order and resolves with the target's id for it. It throws a `CbmError`
 * whose `retryable` says whether trying again can help (`CBM_ERR_TARGET_UNAVAILABLE`,
 * `CBM_ERR_TARGET_TIMEOUT`) or not (`CBM_ERR_TARGET_REJECTED`). Where the API allows, a target
 * first looks the order up by its idempotency key, so a retry never creates a second order.
 */
export interface WorkOrderTarget {
  readonly id: string;
  readonly type: string;
  send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }>;
  close(): Promise<void>;
}
