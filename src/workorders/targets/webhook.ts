import { createHmac } from 'node:crypto';
import { CbmError, errorMessage } from '../../core/errors.js';
import type { WebhookTargetConfig } from '../../config/schema.js';
import type { WorkOrder } from '../model.js';
import type { WorkOrderTarget } from '../target.js';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Statuses worth retrying: 408 Request Timeout, 429 Too Many Requests (RFC 9110 §15.5.9, RFC 6585 §4). */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * Generic webhook: `POST` the work order as JSON with `Idempotency-Key` and, with a secret,
 * `X-CBM-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. 2xx → delivered (the response's
 * `id` or `externalId`, if any, is kept); 408/429/5xx/network → retry; other 4xx → permanent.
 * The receiver deduplicates by `Idempotency-Key`: a retry after a lost response repeats the POST.
 */
export class WebhookTarget implements WorkOrderTarget {
  readonly type = 'webhook';
  readonly id: string;

  constructor(private readonly cfg: WebhookTargetConfig) {
    this.id = cfg.id;
  }

  async send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }> {
    const body = JSON.stringify(order);
    const headers: Record<string, string> = {
      ...this.cfg.headers,
      'content-type': 'application/json',
      'idempotency-key': order.idempotencyKey,
      'user-agent': 'cbm-gateway',
    };
    if (this.cfg.secret) headers['x-cbm-signature'] = signBody(this.cfg.secret, body);
    const timeout = AbortSignal.timeout(this.cfg.timeout);
    let res: Response;
    try {
      res = await fetch(this.cfg.url, { method: 'POST', headers, body, signal: AbortSignal.any([signal, timeout]) });
    } catch (e) {
      if (timeout.aborted) throw new CbmError('CBM_ERR_TARGET_TIMEOUT', `${this.cfg.url}: no answer within ${this.cfg.timeout} ms`);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', `${this.cfg.url}: ${cause?.code ?? cause?.message ?? errorMessage(e)}`, { cause: e });
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { externalId: externalIdOf(text) };
    const detail = `${this.cfg.url}: HTTP ${res.status} ${text.slice(0, 200)}`.trim();
    if (res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.has(res.status)) throw new CbmError('CBM_ERR_TARGET_REJECTED', detail);
    throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', detail);
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
