import { createHmac } from 'node:crypto';
import { redactUrl } from '../../core/redact.js';
import { failOn, request } from './http.js';
import type { WebhookTargetConfig } from '../../config/schema.js';
import type { WorkOrder } from '../model.js';
import type { UpdateRef, WorkOrderTarget } from '../target.js';
import type { OrderUpdate } from '../update.js';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Generic webhook: `POST` the work order as JSON with `Idempotency-Key` and, with a secret,
 * `X-CBM-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. 2xx → delivered (the response's
 * `id` or `externalId`, if any, is kept); the rest as every HTTP target ({@link failOn}):
 * 408/429/5xx/network → retry; other 4xx and redirects (not followed: the url is wrong) → permanent.
 * The receiver deduplicates by `Idempotency-Key`: a retry after a lost response repeats the POST.
 */
export class WebhookTarget implements WorkOrderTarget {
  readonly type = 'webhook';
  readonly id: string;
  /** The URL as errors name it: credentials in it (`https://user:pass@host`) masked. */
  private readonly label: string;

  constructor(private readonly cfg: WebhookTargetConfig) {
    this.id = cfg.id;
    this.label = redactUrl(cfg.url);
  }

  async send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }> {
    const r = await this.post(JSON.stringify(order), order.idempotencyKey, 'work_order.created', signal);
    return { externalId: externalIdOf(r.text) };
  }

  /**
   * An update goes to the same URL as the order: `X-CBM-Event: work_order.updated`, its own
   * `Idempotency-Key`, the body an {@link OrderUpdate} naming the order by `id` and
   * `orderIdempotencyKey` (docs/targets.md: the webhook contract).
   */
  async update(update: OrderUpdate, _ref: UpdateRef, signal: AbortSignal): Promise<void> {
    await this.post(JSON.stringify(update), update.idempotencyKey, update.event, signal);
  }

  private async post(body: string, key: string, event: string, signal: AbortSignal) {
    const headers: Record<string, string> = {
      ...this.cfg.headers,
      'content-type': 'application/json',
      'idempotency-key': key,
      'x-cbm-event': event,
      'user-agent': 'cbm-gateway',
    };
    if (this.cfg.secret) headers['x-cbm-signature'] = signBody(this.cfg.secret, body);
    const r = await request(this.label, this.cfg.url, { method: 'POST', headers, body }, this.cfg.timeout, signal);
    failOn(this.label, r, () => undefined);
    return r;
  }

  async close(): Promise<void> {}
}

function externalIdOf(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const v = j.externalId ?? j.id;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  } catch {
    return undefined;
  }
}
