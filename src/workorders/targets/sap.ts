import { createHash } from 'node:crypto';
import type { TargetConfig } from '../../config/schema.js';
import { CbmError } from '../../core/errors.js';
import type { WorkOrder } from '../model.js';
import type { OpenOrderRef, StatusUpdate, UpdateRef, WorkOrderStatus, WorkOrderTarget } from '../target.js';
import type { OrderUpdate } from '../update.js';
import { failOn, longText, parseJson, request, truncate, type HttpResult } from './http.js';
import { raisedPriority, updateText } from './updates.js';
import { registerSecret } from '../../core/redact.js';

export type SapTargetConfig = Extract<TargetConfig, { type: 'sap' }>;

interface Notification {
  __metadata?: { etag?: string };
  MaintenanceNotification?: string;
  MaintPriority?: string;
  MaintNotifExtReferenceNumber?: string;
  NotifProcessingPhase?: string;
  MaintNotificationLongText?: string;
  MaintNotifRejectionRsnCodeTxt?: string;
  LastChangedByUser?: string;
  LastChangeDateTime?: string;
}

/**
 * `MaintNotifExtReferenceNumber` is `Edm.String` MaxLength 20, upper case (API_MAINTNOTIFICATION
 * metadata, "External Reference Number", QMEL-REFNUM). Our key (`cbm-` + 32 hex) does not fit,
 * so SAP gets `CBM` + the first 17 hex digits upper-cased: 68 bits, collision-free in practice.
 */
export function sapReference(idempotencyKey: string): string {
  const m = /^cbm-([0-9a-f]{32})$/.exec(idempotencyKey);
  const hex = m ? m[1]! : createHash('sha256').update(idempotencyKey).digest('hex');
  return `CBM${hex.slice(0, 17).toUpperCase()}`;
}

/** OData v2 error body: `{"error": {"code": "…", "message": {"lang": "en", "value": "…"}}}`. */
export function odataMessage(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: { code?: string; message?: { value?: string } | string } };
    const m = j.error?.message;
    const v = typeof m === 'string' ? m : m?.value;
    return v ? `${j.error?.code ? `${j.error.code}: ` : ''}${v}` : undefined;
  } catch {
    return text.includes('CSRF') ? text.trim().slice(0, 120) : undefined;
  }
}

/**
 * Notification processing phase (QMEL-PHASE, `NotifProcessingPhase`): 1 outstanding,
 * 2 postponed, 3 in process, 4 completed, 5 deletion flag (notification cancelled).
 */
export function sapStatus(phase: string | undefined): WorkOrderStatus {
  if (phase === '3') return 'in_progress';
  if (phase === '4') return 'completed';
  if (phase === '5') return 'cancelled';
  return 'open';
}

const SELECT = 'MaintenanceNotification,MaintNotifExtReferenceNumber,MaintPriority,NotifProcessingPhase,MaintNotificationLongText,MaintNotifRejectionRsnCodeTxt,LastChangeDateTime';

/** SAP Gateway's answer to a modifying request without a valid token for the session: 403, `x-csrf-token: Required`. */
function csrfRequired(r: HttpResult): boolean {
  return r.status === 403 && r.headers.get('x-csrf-token')?.toLowerCase() === 'required';
}

function csrfRefusedTwice(label: string): CbmError {
  return new CbmError(
    'CBM_ERR_TARGET_REJECTED',
    `${label}: HTTP 403 CSRF token validation failed again with a fresh token: does a load balancer send the GET and the POST to different servers without sticky sessions?`,
    { details: { status: 403 } },
  );
}

/** OData v2 JSON dates: `/Date(1700000000000)/` or `/Date(1700000000000+0000)/`. */
function odataDate(v: string | undefined): string {
  const m = v ? /\/Date\((-?\d+)/.exec(v) : null;
  return m ? new Date(Number(m[1])).toISOString() : new Date().toISOString();
}

/**
 * SAP S/4HANA maintenance notifications through the OData v2 service `API_MAINTNOTIFICATION`
 * (SAP Business Accelerator Hub, "Maintenance Notification"; SAP Gateway CSRF protection).
 *
 * Modifying requests need an `x-csrf-token` fetched by a GET with `x-csrf-token: Fetch`, sent
 * back together with the session cookies the GET set. Our lookup GET is that fetch: it asks for
 * the token and searches `$filter=MaintNotifExtReferenceNumber eq '<ref>'` in one round trip. If
 * a notification carries our reference (a retry after a lost response), its number is returned;
 * otherwise we POST one. A 403 whose `x-csrf-token` header says `Required` (the session or token
 * expired) re-fetches the token once and repeats the POST.
 *
 * `update` reads the notification (`MaintenanceNotification('<number>')`, or by our reference when
 * `send` did not learn the number), which also fetches the token and the entity's ETag; returns if
 * its long text already carries the update's key; else `PATCH`es it with `If-Match: <ETag>` (SAP
 * Gateway answers 428 without it, 412 when the notification changed since the read):
 * `MaintNotifLongTextForEdit` with the dated note (SAP appends it to the notification's long text)
 * and, on an escalation, `MaintPriority`. A 412 or an expired token reads and patches once more.
 */
export class SapTarget implements WorkOrderTarget {
  readonly type = 'sap';
  readonly id: string;
  private readonly base: string;
  private readonly auth: string;
  private token: string | undefined;
  private cookies = new Map<string, string>();
  private readonly reported = new Map<string, WorkOrderStatus>();

  constructor(private readonly cfg: SapTargetConfig) {
    this.id = cfg.id;
    this.base = `${cfg.url.replace(/\/+$/, '')}${cfg.servicePath}/MaintenanceNotification`;
    this.auth = `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}`;
    // The header carries the password in base64: masked like the password, should an answer echo it.
    registerSecret(this.auth.slice('Basic '.length));
  }

  /** The collection's URL, or with `key` the entity's (`…/MaintenanceNotification('<key>')`, quotes doubled as OData v2 escapes them). */
  private url(params: Record<string, string>, key?: string): string {
    const q = new URLSearchParams(params);
    if (this.cfg.client) q.set('sap-client', this.cfg.client);
    const s = q.toString();
    const path = key === undefined ? this.base : `${this.base}('${encodeURIComponent(key.replace(/'/g, "''"))}')`;
    return s ? `${path}?${s}` : path;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { authorization: this.auth, accept: 'application/json', 'user-agent': 'cbm-gateway', ...extra };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return h;
  }

  private keep(r: HttpResult): void {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const t = r.headers.get('x-csrf-token');
    if (t && t.toLowerCase() !== 'required') this.token = t;
  }

  /** GET with `$filter`, fetching a CSRF token and session cookies on the way. */
  private async find(filter: string, signal: AbortSignal): Promise<Notification[]> {
    const label = `sap ${this.id} query`;
    const r = await request(label, this.url({ $filter: filter, $select: SELECT, $format: 'json' }), { method: 'GET', headers: this.headers({ 'x-csrf-token': 'Fetch' }) }, this.cfg.timeout, signal);
    this.keep(r);
    failOn(label, r, odataMessage);
    return parseJson<{ d?: { results?: Notification[] } }>(label, r.text).d?.results ?? [];
  }

  async send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }> {
    const ref = sapReference(order.idempotencyKey);
    const found = await this.find(`MaintNotifExtReferenceNumber eq '${ref}'`, signal);
    if (found[0]?.MaintenanceNotification) return { externalId: found[0].MaintenanceNotification };

    const body: Record<string, unknown> = {
      NotificationText: truncate(order.title, 40),
      MaintNotifLongTextForEdit: truncate(longText(order), 1333),
      NotificationType: this.cfg.notificationType,
      MaintPriority: this.cfg.priority[order.priority],
      MaintNotifExtReferenceNumber: ref,
    };
    const tobj = this.technicalObject(order);
    if (tobj) {
      body.TechnicalObject = tobj;
      body.TechObjIsEquipOrFuncnlLoc = this.cfg.technicalObjectType;
    }
    if (this.cfg.maintenancePlanningPlant) body.MaintenancePlanningPlant = this.cfg.maintenancePlanningPlant;

    const label = `sap ${this.id} create`;
    const post = () =>
      request(label, this.url({}), { method: 'POST', headers: this.headers({ 'content-type': 'application/json', 'x-csrf-token': this.token ?? 'Fetch' }), body: JSON.stringify(body) }, this.cfg.timeout, signal);
    let r = await post();
    if (csrfRequired(r)) {
      // The token or its session expired between our GET and POST: fetch a fresh one, once.
      this.token = undefined;
      this.cookies.clear();
      const again = await this.find(`MaintNotifExtReferenceNumber eq '${ref}'`, signal);
      if (again[0]?.MaintenanceNotification) return { externalId: again[0].MaintenanceNotification };
      r = await post();
      if (csrfRequired(r)) throw csrfRefusedTwice(label);
    }
    this.keep(r);
    failOn(label, r, odataMessage);
    const created = parseJson<{ d?: Notification }>(label, r.text).d;
    return { externalId: created?.MaintenanceNotification };
  }

  async update(u: OrderUpdate, ref: UpdateRef, signal: AbortSignal): Promise<void> {
    const label = `sap ${this.id} update`;
    for (let attempt = 1; ; attempt++) {
      const got = await this.read(u, ref.externalId, signal);
      if (!got) {
        const which = ref.externalId ? `notification ${ref.externalId}` : `a notification with MaintNotifExtReferenceNumber ${sapReference(u.orderIdempotencyKey)}`;
        throw new CbmError('CBM_ERR_TARGET_REJECTED', `${label}: ${which} does not exist (deleted?); update ${u.sequence} of order ${u.id} cannot be applied`);
      }
      const { n, etag } = got;
      if (n.MaintNotificationLongText?.includes(u.idempotencyKey)) return;
      const body: Record<string, unknown> = { MaintNotifLongTextForEdit: updateText(u, 1333) };
      const priority = raisedPriority(u, this.cfg.priority, n.MaintPriority || undefined);
      if (priority !== undefined) body.MaintPriority = priority;
      const headers = this.headers({ 'content-type': 'application/json', 'x-csrf-token': this.token ?? 'Fetch' });
      if (etag) headers['if-match'] = etag;
      const r = await request(label, this.url({}, n.MaintenanceNotification), { method: 'PATCH', headers, body: JSON.stringify(body) }, this.cfg.timeout, signal);
      const csrf = csrfRequired(r);
      if (attempt === 1 && (csrf || r.status === 412)) {
        // The token expired, or someone changed the notification since our read: read again (a new token, a new ETag) and patch once more.
        if (csrf) {
          this.token = undefined;
          this.cookies.clear();
        }
        continue;
      }
      if (csrf) throw csrfRefusedTwice(label);
      if (r.status === 412) throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', `${label}: HTTP 412 notification ${n.MaintenanceNotification} changed again between our read and our update; will retry`, { details: { status: 412 } });
      this.keep(r);
      failOn(label, r, odataMessage);
      return;
    }
  }

  /** The notification an update is for, with its ETag (and a fresh CSRF token); undefined when SAP has none. */
  private async read(u: OrderUpdate, externalId: string | undefined, signal: AbortSignal): Promise<{ n: Notification; etag: string | undefined } | undefined> {
    if (!externalId) {
      const [n] = await this.find(`MaintNotifExtReferenceNumber eq '${sapReference(u.orderIdempotencyKey)}'`, signal);
      return n?.MaintenanceNotification ? { n, etag: n.__metadata?.etag } : undefined;
    }
    const label = `sap ${this.id} read`;
    const r = await request(label, this.url({ $select: SELECT, $format: 'json' }, externalId), { method: 'GET', headers: this.headers({ 'x-csrf-token': 'Fetch' }) }, this.cfg.timeout, signal);
    this.keep(r);
    if (r.status === 404) return undefined;
    failOn(label, r, odataMessage);
    const n = parseJson<{ d?: Notification }>(label, r.text).d;
    return n?.MaintenanceNotification ? { n, etag: r.headers.get('etag') ?? n.__metadata?.etag } : undefined;
  }

  private technicalObject(order: WorkOrder): string | undefined {
    const mapped = this.cfg.assetMap[order.asset.id];
    if (mapped) return mapped;
    if (this.cfg.technicalObject === 'serialNumber') return order.asset.serialNumber?.toUpperCase();
    if (this.cfg.technicalObject === 'id') return order.asset.id.toUpperCase();
    return undefined;
  }

  async pollStatus(open: readonly OpenOrderRef[], signal: AbortSignal): Promise<StatusUpdate[]> {
    const byRef = new Map(open.map((o) => [sapReference(o.idempotencyKey), o]));
    const refs = [...byRef.keys()];
    const out: StatusUpdate[] = [];
    for (let i = 0; i < refs.length; i += 20) {
      const filter = refs.slice(i, i + 20).map((r) => `MaintNotifExtReferenceNumber eq '${r}'`).join(' or ');
      for (const n of await this.find(filter, signal)) {
        const o = n.MaintNotifExtReferenceNumber ? byRef.get(n.MaintNotifExtReferenceNumber) : undefined;
        if (!o) continue;
        const status = sapStatus(n.NotifProcessingPhase);
        if ((this.reported.get(o.idempotencyKey) ?? 'open') === status) continue;
        this.reported.set(o.idempotencyKey, status);
        const notes = status === 'cancelled' ? (n.MaintNotifRejectionRsnCodeTxt ?? n.MaintNotificationLongText) : n.MaintNotificationLongText;
        out.push({ idempotencyKey: o.idempotencyKey, externalId: n.MaintenanceNotification, status, notes: notes || undefined, technician: n.LastChangedByUser, at: odataDate(n.LastChangeDateTime) });
      }
    }
    return out;
  }

  async close(): Promise<void> {}
}
