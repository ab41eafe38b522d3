import type { TargetConfig } from '../../config/schema.js';
import type { WorkOrder } from '../model.js';
import { CbmError } from '../../core/errors.js';
import type { OrderUpdate } from '../update.js';
import type { OpenOrderRef, StatusUpdate, UpdateRef, WorkOrderStatus, WorkOrderTarget } from '../target.js';
import { failOn, longText, parseJson, request, truncate } from './http.js';
import { raisedPriority, updateSummary, updateText } from './updates.js';

export type MaximoTargetConfig = Extract<TargetConfig, { type: 'maximo' }>;

interface MaximoWo {
  wonum?: string;
  workorderid?: number;
  status?: string;
  statusdate?: string;
  changeby?: string;
  href?: string;
  worklog?: { description?: string; description_longdescription?: string; createdate?: string; createby?: string }[];
  [attr: string]: unknown;
}

/** Maximo's error envelope: `{"Error": {"reasonCode": "BMXAA…", "message": "…", "statusCode": "400"}}` (lean JSON). */
export function maximoMessage(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { Error?: { message?: string }; 'oslc:Error'?: { 'oslc:message'?: string } };
    return j.Error?.message ?? j['oslc:Error']?.['oslc:message'];
  } catch {
    return undefined;
  }
}

/**
 * Maps a Maximo WORKORDER status to ours. Maximo's synonym domain WOSTATUS: WAPPR, APPR, WSCH,
 * WMATL, WPCOND are still to do; INPRG is being worked; COMP and CLOSE are done; CAN is cancelled.
 */
export function maximoStatus(s: string | undefined): WorkOrderStatus {
  switch (s) {
    case 'INPRG':
      return 'in_progress';
    case 'COMP':
    case 'CLOSE':
      return 'completed';
    case 'CAN':
      return 'cancelled';
    default:
      return 'open';
  }
}

/** OSLC `oslc.where` string literals are double-quoted with no escape; our keys and site ids never hold one. */
const quote = (s: string) => `"${s.replace(/"/g, '')}"`;

/**
 * IBM Maximo through the REST API's object structure `mxapiwodetail` (Maximo REST API guide:
 * "Querying with oslc.where", "Creating a resource", `lean=1` JSON, `apikey` header auth).
 *
 * `send`: first `GET …/mxapiwodetail?oslc.where=<keyAttribute>="<key>" and siteid="<site>"`; if a
 * work order already carries the key (a retry after a lost response), return its `wonum`. Only
 * if none does, `POST` a new WORKORDER with the key in `keyAttribute` (default `externalrefid`).
 * The `properties` header asks Maximo to return the created record, so we learn its `wonum`.
 *
 * `update`: finds the work order (by `wonum` and site when `send` learned it, else by the key),
 * returns if a work log entry already carries the update's key (a retry after a lost answer),
 * else `POST <record href>` with `x-method-override: PATCH` and `patchtype: MERGE` ("Updating
 * resources"; MERGE adds the `worklog` array's new entry instead of replacing the technicians'
 * entries), carrying the work log entry (summary, the dated note and the key in its long
 * description) and, on an escalation, `wopriority`. One request, so priority and note land together.
 *
 * `pollStatus`: one query per 50 keys with `<keyAttribute> in [...]`, selecting `status`,
 * `statusdate`, `changeby` and the work log (the technician's notes); reports what changed.
 */
export class MaximoTarget implements WorkOrderTarget {
  readonly type = 'maximo';
  readonly id: string;
  private readonly base: string;
  private readonly reported = new Map<string, WorkOrderStatus>();

  constructor(private readonly cfg: MaximoTargetConfig) {
    this.id = cfg.id;
    this.base = `${cfg.url.replace(/\/+$/, '')}${cfg.path}`;
  }

  private headers(): Record<string, string> {
    return { apikey: this.cfg.apiKey, accept: 'application/json', 'user-agent': 'cbm-gateway' };
  }

  private async query(where: string, select: string, signal: AbortSignal): Promise<MaximoWo[]> {
    const q = new URLSearchParams({ lean: '1', 'oslc.select': select, 'oslc.where': where, 'oslc.pageSize': '100' });
    const label = `maximo ${this.id} query`;
    const r = await request(label, `${this.base}?${q}`, { method: 'GET', headers: this.headers() }, this.cfg.timeout, signal);
    failOn(label, r, maximoMessage);
    return parseJson<{ member?: MaximoWo[] }>(label, r.text).member ?? [];
  }

  async send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }> {
    const key = this.cfg.keyAttribute;
    const where = `${key}=${quote(order.idempotencyKey)} and siteid=${quote(this.cfg.siteid)}`;
    const existing = await this.query(where, `wonum,status,${key}`, signal);
    if (existing[0]?.wonum) return { externalId: existing[0].wonum };

    const wo: Record<string, unknown> = {
      siteid: this.cfg.siteid,
      // WORKORDER.DESCRIPTION is 100 characters; the rest goes to the long description.
      description: truncate(order.title, 100),
      description_longdescription: longText(order),
      wopriority: this.cfg.priority[order.priority],
      worktype: this.cfg.worktype[order.type],
      reportdate: order.createdAt,
      [key]: order.idempotencyKey,
    };
    if (this.cfg.orgid) wo.orgid = this.cfg.orgid;
    const assetnum = this.assetnum(order);
    if (assetnum) wo.assetnum = assetnum;
    if (order.estimatedHours !== undefined) wo.estdur = order.estimatedHours;

    const label = `maximo ${this.id} create`;
    const r = await request(
      label,
      `${this.base}?lean=1`,
      { method: 'POST', headers: { ...this.headers(), 'content-type': 'application/json', properties: 'wonum,workorderid,status' }, body: JSON.stringify(wo) },
      this.cfg.timeout,
      signal,
    );
    failOn(label, r, maximoMessage);
    const created = r.text ? parseJson<MaximoWo>(label, r.text) : {};
    return { externalId: created.wonum ?? r.headers.get('location')?.split('/').pop() };
  }

  async update(u: OrderUpdate, ref: UpdateRef, signal: AbortSignal): Promise<void> {
    const key = this.cfg.keyAttribute;
    const site = quote(this.cfg.siteid);
    const where = ref.externalId ? `wonum=${quote(ref.externalId)} and siteid=${site}` : `${key}=${quote(u.orderIdempotencyKey)} and siteid=${site}`;
    const [wo] = await this.query(where, `wonum,wopriority,${key},worklog{description,description_longdescription}`, signal);
    if (!wo?.href) {
      const which = ref.externalId ? `work order ${ref.externalId}` : `a work order with ${key}="${u.orderIdempotencyKey}"`;
      throw new CbmError('CBM_ERR_TARGET_REJECTED', `maximo ${this.id} update: ${which} does not exist in site ${this.cfg.siteid} (deleted or moved?); update ${u.sequence} of order ${u.id} cannot be applied`);
    }
    if (wo.worklog?.some((l) => l.description_longdescription?.includes(u.idempotencyKey) || l.description?.includes(u.idempotencyKey))) return;

    const patch: Record<string, unknown> = {
      worklog: [{ description: truncate(updateSummary(u), 100), description_longdescription: updateText(u), logtype: this.cfg.worklogType }],
    };
    const current = typeof wo.wopriority === 'number' || typeof wo.wopriority === 'string' ? wo.wopriority : undefined;
    const wopriority = raisedPriority(u, this.cfg.priority, current);
    if (wopriority !== undefined) patch.wopriority = wopriority;
    // The record's rest id, on our own base URL: a proxy in front of Maximo may rewrite the host in `href`.
    const restId = new URL(wo.href, this.base).pathname.split('/').pop()!;
    const label = `maximo ${this.id} update`;
    const r = await request(
      label,
      `${this.base}/${restId}?lean=1`,
      { method: 'POST', headers: { ...this.headers(), 'content-type': 'application/json', 'x-method-override': 'PATCH', patchtype: 'MERGE' }, body: JSON.stringify(patch) },
      this.cfg.timeout,
      signal,
    );
    failOn(label, r, maximoMessage);
  }

  private assetnum(order: WorkOrder): string | undefined {
    const mapped = this.cfg.assetMap[order.asset.id];
    if (mapped) return mapped;
    if (this.cfg.assetnum === 'serialNumber') return order.asset.serialNumber;
    if (this.cfg.assetnum === 'id') return order.asset.id.toUpperCase();
    return undefined;
  }

  async pollStatus(open: readonly OpenOrderRef[], signal: AbortSignal): Promise<StatusUpdate[]> {
    const key = this.cfg.keyAttribute;
    const out: StatusUpdate[] = [];
    for (let i = 0; i < open.length; i += 50) {
      const batch = open.slice(i, i + 50);
      const where = `${key} in [${batch.map((o) => quote(o.idempotencyKey)).join(',')}] and siteid=${quote(this.cfg.siteid)}`;
      const rows = await this.query(where, `wonum,status,statusdate,changeby,${key},worklog{description,description_longdescription,createdate,createby}`, signal);
      for (const row of rows) {
        const k = row[key];
        if (typeof k !== 'string') continue;
        const status = maximoStatus(row.status);
        if ((this.reported.get(k) ?? 'open') === status) continue;
        this.reported.set(k, status);
        const log = [...(row.worklog ?? [])].sort((a, b) => String(a.createdate).localeCompare(String(b.createdate))).pop();
        // A work log's description is the first line of its long description, or a title above it.
        const long = log?.description_longdescription;
        const notes = long && log?.description && long.startsWith(log.description) ? long : [log?.description, long].filter(Boolean).join('\n');
        out.push({ idempotencyKey: k, externalId: row.wonum, status, notes: notes || undefined, technician: log?.createby ?? row.changeby, at: row.statusdate ?? new Date().toISOString() });
      }
    }
    return out;
  }

  async close(): Promise<void> {}
}
