import type { TargetConfig } from '../../config/schema.js';
import { CbmError } from '../../core/errors.js';
import type { WorkOrder } from '../model.js';
import type { OpenOrderRef, StatusUpdate, UpdateRef, WorkOrderStatus, WorkOrderTarget } from '../target.js';
import type { OrderUpdate } from '../update.js';
import { failOn, longText, parseJson, request, truncate } from './http.js';
import { raisedPriority, updateText } from './updates.js';

export type MaintainxTargetConfig = Extract<TargetConfig, { type: 'maintainx' }>;

interface MxWorkOrder {
  id?: number;
  priority?: string;
  status?: string;
  updatedAt?: string;
  completedAt?: string;
  completionNotes?: string;
  externalData?: { cbmIdempotencyKey?: string } | null;
}

/** MaintainX error bodies: `{"errors": [{"message": "…"}]}` or `{"message": "…"}`. */
export function maintainxMessage(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { message?: string; errors?: { message?: string }[] };
    return j.errors?.map((e) => e.message).filter(Boolean).join('; ') || j.message;
  } catch {
    return undefined;
  }
}

/** MaintainX work-order status: OPEN, ON_HOLD, IN_PROGRESS, DONE (older docs: COMPLETED); CLOSED without completion is a cancellation. */
export function maintainxStatus(w: MxWorkOrder): WorkOrderStatus {
  switch (w.status) {
    case 'IN_PROGRESS':
      return 'in_progress';
    case 'DONE':
    case 'COMPLETED':
      return 'completed';
    case 'CLOSED':
      return w.completedAt ? 'completed' : 'cancelled';
    default:
      return 'open';
  }
}

/**
 * MaintainX REST API v1 (`https://api.getmaintainx.com/v1`, Bearer API key).
 *
 * Duplicates: MaintainX documents no idempotency header and no filter on `externalData` or custom
 * fields in `GET /v1/workorders`. What it does document is `externalData` ("extra data … to help
 * reference a matching record in an external system") and cursor-paged listing. So every order
 * is created with `externalData.cbmIdempotencyKey`, and before creating, `send` pages through the
 * newest `lookupPages` × 100 work orders looking for that key. A retry after a lost response (the
 * outbox retries within minutes) finds the order it made; a retry after more than `lookupPages`
 * pages of newer work orders could duplicate; raise `lookupPages` on very busy accounts.
 *
 * `update` (work order by `send`'s id, else found by the key as `send` finds it): lists the work
 * order's comments (`GET /v1/workorders/{id}/comments`) and returns if one carries the update's key
 * (a retry after a lost answer); on an escalation reads the work order and `PATCH
 * /v1/workorders/{id}` raises `priority` (setting it twice is harmless, so it goes first); then
 * `POST /v1/workorders/{id}/comments` with the dated note and the key.
 */
export class MaintainxTarget implements WorkOrderTarget {
  readonly type = 'maintainx';
  readonly id: string;
  private readonly base: string;
  private readonly reported = new Map<string, WorkOrderStatus>();

  constructor(private readonly cfg: MaintainxTargetConfig) {
    this.id = cfg.id;
    this.base = `${cfg.url.replace(/\/+$/, '')}/v1`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { authorization: `Bearer ${this.cfg.apiKey}`, accept: 'application/json', 'user-agent': 'cbm-gateway', ...extra };
    if (this.cfg.organizationId !== undefined) h['x-organization-id'] = String(this.cfg.organizationId);
    return h;
  }

  private async get<T>(label: string, path: string, signal: AbortSignal): Promise<T> {
    const r = await request(label, `${this.base}${path}`, { method: 'GET', headers: this.headers() }, this.cfg.timeout, signal);
    failOn(label, r, maintainxMessage);
    return parseJson<T>(label, r.text);
  }

  private async lookup(key: string, signal: AbortSignal): Promise<number | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < this.cfg.lookupPages; page++) {
      const q = new URLSearchParams({ limit: '100' });
      if (cursor) q.set('cursor', cursor);
      const res = await this.get<{ workOrders?: MxWorkOrder[]; nextCursor?: string | null; cursor?: string | null }>(`maintainx ${this.id} lookup`, `/workorders?${q}`, signal);
      const hit = res.workOrders?.find((w) => w.externalData?.cbmIdempotencyKey === key);
      if (hit?.id !== undefined) return hit.id;
      cursor = res.nextCursor ?? res.cursor ?? undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  async send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }> {
    const found = await this.lookup(order.idempotencyKey, signal);
    if (found !== undefined) return { externalId: String(found) };

    const body: Record<string, unknown> = {
      title: truncate(order.title, 255),
      description: longText(order),
      priority: this.cfg.priority[order.priority],
      externalData: { cbmIdempotencyKey: order.idempotencyKey, gatewayId: order.gatewayId, orderId: order.id, assetId: order.asset.id },
    };
    const assetId = this.cfg.assetMap[order.asset.id];
    if (assetId !== undefined) body.assetId = assetId;
    if (this.cfg.locationId !== undefined) body.locationId = this.cfg.locationId;
    if (this.cfg.categories.length) body.categories = this.cfg.categories;
    // estimatedTime is in seconds (MaintainX API: "estimated time taken in seconds").
    if (order.estimatedHours !== undefined) body.estimatedTime = Math.round(order.estimatedHours * 3600);

    const label = `maintainx ${this.id} create`;
    const r = await request(label, `${this.base}/workorders`, { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) }, this.cfg.timeout, signal);
    failOn(label, r, maintainxMessage);
    const created = parseJson<{ id?: number; workOrder?: { id?: number } }>(label, r.text);
    const id = created.id ?? created.workOrder?.id;
    return { externalId: id === undefined ? undefined : String(id) };
  }

  async update(u: OrderUpdate, ref: UpdateRef, signal: AbortSignal): Promise<void> {
    const label = `maintainx ${this.id} update`;
    const found = ref.externalId ?? (await this.lookup(u.orderIdempotencyKey, signal))?.toString();
    const missing = (which: string) => new CbmError('CBM_ERR_TARGET_REJECTED', `${label}: ${which} does not exist (deleted?); update ${u.sequence} of order ${u.id} cannot be applied`);
    if (found === undefined) throw missing(`a work order with externalData.cbmIdempotencyKey ${u.orderIdempotencyKey} (searched the newest ${this.cfg.lookupPages * 100})`);
    const path = `/workorders/${encodeURIComponent(found)}`;
    const comments = await this.comments(path, signal);
    if (comments === undefined) throw missing(`work order ${found}`);
    if (comments.some((c) => c.content?.includes(u.idempotencyKey))) return;
    if (u.escalated) {
      const res = await this.get<{ workOrder?: MxWorkOrder } & MxWorkOrder>(`maintainx ${this.id} read`, path, signal);
      const priority = raisedPriority(u, this.cfg.priority, (res.workOrder ?? res).priority);
      if (priority !== undefined) await this.write(label, 'PATCH', path, { priority }, signal);
    }
    await this.write(label, 'POST', `${path}/comments`, { content: updateText(u) }, signal);
  }

  /** Every comment on the work order at `path` (cursor-paged), or undefined when MaintainX does not know it (404). */
  private async comments(path: string, signal: AbortSignal): Promise<{ content?: string }[] | undefined> {
    const label = `maintainx ${this.id} comments`;
    const out: { content?: string }[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const q = new URLSearchParams({ limit: '100' });
      if (cursor) q.set('cursor', cursor);
      const r = await request(label, `${this.base}${path}/comments?${q}`, { method: 'GET', headers: this.headers() }, this.cfg.timeout, signal);
      if (r.status === 404) return undefined;
      failOn(label, r, maintainxMessage);
      const res = parseJson<{ comments?: { content?: string }[]; nextCursor?: string | null }>(label, r.text);
      out.push(...(res.comments ?? []));
      cursor = res.nextCursor ?? undefined;
      if (!cursor) break;
    }
    return out;
  }

  private async write(label: string, method: 'POST' | 'PATCH', path: string, body: unknown, signal: AbortSignal): Promise<void> {
    const r = await request(label, `${this.base}${path}`, { method, headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) }, this.cfg.timeout, signal);
    failOn(label, r, maintainxMessage);
  }

  async pollStatus(open: readonly OpenOrderRef[], signal: AbortSignal): Promise<StatusUpdate[]> {
    const out: StatusUpdate[] = [];
    for (const o of open) {
      if (!o.externalId) continue;
      const res = await this.get<{ workOrder?: MxWorkOrder } & MxWorkOrder>(`maintainx ${this.id} status`, `/workorders/${encodeURIComponent(o.externalId)}`, signal);
      const w = res.workOrder ?? res;
      const status = maintainxStatus(w);
      if ((this.reported.get(o.idempotencyKey) ?? 'open') === status) continue;
      this.reported.set(o.idempotencyKey, status);
      out.push({ idempotencyKey: o.idempotencyKey, externalId: o.externalId, status, notes: w.completionNotes || undefined, technician: undefined, at: w.completedAt ?? w.updatedAt ?? new Date().toISOString() });
    }
    return out;
  }

  async close(): Promise<void> {}
}
