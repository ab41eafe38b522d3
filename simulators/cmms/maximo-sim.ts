import { HttpSim, parseBody, type SimReply, type SimRequest } from './http-sim.js';

export interface MaximoWorkOrder {
  workorderid: number;
  wonum: string;
  siteid: string;
  description: string;
  description_longdescription?: string;
  status: string;
  statusdate: string;
  changeby: string;
  worklog: MaximoWorkLog[];
  [attr: string]: unknown;
}

export interface MaximoWorkLog {
  worklogid: number;
  description: string;
  description_longdescription?: string;
  logtype: string;
  createdate: string;
  createby: string;
}

/** An update the simulated Maximo applied: the work order, the PATCH body and its `patchtype` header. */
export interface MaximoPatch {
  wonum: string;
  body: Record<string, unknown>;
  patchtype: string | undefined;
}

/** The work types a fresh Maximo ships in the WORKTYPE table. */
const WORKTYPES = new Set(['CM', 'PM', 'EM', 'EV', 'CAL', 'CP']);
const PATH = '/maximo/api/os/mxapiwodetail';

/**
 * A Maximo that honours the parts of the REST API (`/maximo/api/os/mxapiwodetail`) the target
 * uses: `apikey` header auth (401 BMXAA7901E otherwise), `oslc.where` with `attr="v"` and
 * `attr in ["a","b"]` joined by `and`, `oslc.select` (with `worklog{…}`), `lean=1` JSON
 * (`member` array), and creates that check WORKORDER field rules (siteid required, description
 * at most 100 characters, numeric wopriority, a known worktype) and answer 201 with a
 * `Location` header and, when the `properties` header asks, the record. Every queried record carries
 * its `href`; a `POST` on it with `x-method-override: PATCH` updates it ("Updating resources"):
 * literal attributes are replaced, a child array (`worklog`) replaces the stored one unless the
 * `patchtype: MERGE` header asks to add and match entries (as Maximo does: without MERGE an
 * update would wipe the technicians' work log). 204 without `properties`, 404 for a record that
 * does not exist.
 */
export class MaximoSim extends HttpSim {
  readonly orders: MaximoWorkOrder[] = [];
  /** Every update applied, in order. */
  readonly patches: MaximoPatch[] = [];
  private nextId = 1001;
  private nextLogId = 1;

  constructor(private readonly o: { apiKey: string; sites?: string[] }) {
    super();
  }

  get count(): number {
    return this.orders.length;
  }

  /** A technician moves the work order on (INPRG, COMP, CLOSE, CAN), optionally logging a note. */
  setStatus(wonum: string, status: string, note?: string, by = 'JSMITH'): void {
    const wo = this.orders.find((w) => w.wonum === wonum);
    if (!wo) throw new Error(`no work order ${wonum}`);
    wo.status = status;
    wo.statusdate = new Date().toISOString();
    wo.changeby = by;
    if (note) wo.worklog.push({ worklogid: this.nextLogId++, description: note.slice(0, 100), description_longdescription: note, logtype: 'WORK', createdate: wo.statusdate, createby: by });
  }

  /** A planner changes the priority by hand. */
  setPriority(wonum: string, wopriority: number): void {
    const wo = this.orders.find((w) => w.wonum === wonum);
    if (!wo) throw new Error(`no work order ${wonum}`);
    wo.wopriority = wopriority;
  }

  /** The record's rest id: what follows the collection URI in its `href`. */
  private restId(wo: MaximoWorkOrder): string {
    return `_${Buffer.from(`${wo.wonum}/${wo.siteid}`).toString('base64url')}`;
  }

  private href(wo: MaximoWorkOrder): string {
    return `${this.url}${PATH}/${this.restId(wo)}`;
  }

  protected errorBody(status: number, message: string): unknown {
    const reason = status === 401 ? 'BMXAA7901E' : status >= 500 ? 'BMXAA9999E' : 'BMXAA4195E';
    return { Error: { extendedError: { moreInfo: { href: `${this.url}/maximo/api/error` } }, reasonCode: reason, message: `${reason} - ${message}`, statusCode: String(status) } };
  }

  private err(status: number, message: string): SimReply {
    return { status, body: this.errorBody(status, message) };
  }

  protected route(req: SimRequest): SimReply | 'lost' {
    const member = req.path.startsWith(`${PATH}/`) ? req.path.slice(PATH.length + 1) : undefined;
    if (req.path !== PATH && member === undefined) return this.err(404, `BMXAA8727E - The OSLC resource ${req.path} was not found.`);
    if (req.headers.apikey !== this.o.apiKey) return this.err(401, 'You cannot log in at this time. Contact the system administrator.');
    if (member !== undefined) return this.member(req, member);
    if (req.method === 'GET') return this.query(req);
    if (req.method === 'POST') return this.create(req);
    return this.err(405, `Method ${req.method} is not allowed`);
  }

  private member(req: SimRequest, restId: string): SimReply | 'lost' {
    const wo = this.orders.find((w) => this.restId(w) === restId);
    if (!wo) return this.err(404, `BMXAA8727E - The OSLC resource mxapiwodetail/${restId} was not found as it does not exist in the system.`);
    if (req.method === 'GET') return { status: 200, body: { href: this.href(wo), ...wo } };
    if (req.method !== 'POST') return this.err(405, `Method ${req.method} is not allowed`);
    if (String(req.headers['x-method-override'] ?? '').toUpperCase() !== 'PATCH') return this.err(400, 'BMXAA9550E - A POST on a resource needs x-method-override: PATCH (update) or an action.');
    return this.patch(req, wo);
  }

  private patch(req: SimRequest, wo: MaximoWorkOrder): SimReply | 'lost' {
    const b = parseBody(req.body);
    if (!b) return this.err(400, 'BMXAA9491E - The JSON payload could not be parsed.');
    for (const k of ['wonum', 'siteid', 'workorderid'] as const) {
      if (b[k] !== undefined && String(b[k]) !== String(wo[k])) return this.err(400, `BMXAA4046E - The ${k.toUpperCase()} field is read-only.`);
    }
    if (typeof b.description === 'string' && b.description.length > 100) return this.err(400, 'BMXAA4049E - The value for the field DESCRIPTION is too long (100).');
    if (b.wopriority !== undefined && !Number.isInteger(b.wopriority)) return this.err(400, 'BMXAA4144E - WOPRIORITY must be an integer.');
    const logs = b.worklog;
    if (logs !== undefined && (!Array.isArray(logs) || logs.some((l) => !l || typeof l !== 'object'))) return this.err(400, 'BMXAA9491E - worklog must be an array of objects.');
    for (const l of (logs ?? []) as Record<string, unknown>[]) {
      if (typeof l.description !== 'string' || !l.description) return this.err(400, 'BMXAA4195E - A value is required for the Summary field on the WORKLOG object.');
      if (l.description.length > 100) return this.err(400, 'BMXAA4049E - The value for the field WORKLOG.DESCRIPTION is too long (100).');
    }
    const patchtype = typeof req.headers.patchtype === 'string' ? req.headers.patchtype : undefined;
    const now = new Date().toISOString();
    const { worklog: _ignored, ...literals } = b;
    Object.assign(wo, literals, { changedate: now, changeby: 'MAXADMIN' });
    if (Array.isArray(logs)) {
      const incoming = (logs as Record<string, unknown>[]).map((l) => ({ ...l }));
      // Without MERGE the request's array replaces the stored one (the REST API's PATCH default).
      if (patchtype !== 'MERGE') wo.worklog = [];
      for (const l of incoming) {
        const known = typeof l.worklogid === 'number' ? wo.worklog.find((x) => x.worklogid === l.worklogid) : undefined;
        if (known) Object.assign(known, l);
        else wo.worklog.push({ ...l, worklogid: this.nextLogId++, description: String(l.description), logtype: String(l.logtype ?? 'CLIENTNOTE'), createdate: now, createby: 'MAXADMIN' });
      }
    }
    this.patches.push({ wonum: wo.wonum, body: b, patchtype });
    if (this.consumeUpdateLoss()) return 'lost';
    const props = req.headers.properties;
    if (typeof props !== 'string') return { status: 204 };
    return { status: 200, body: { href: this.href(wo), ...wo } };
  }

  private query(req: SimRequest): SimReply {
    const where = req.query.get('oslc.where') ?? '';
    let preds: ((w: MaximoWorkOrder) => boolean)[];
    try {
      preds = where ? where.split(/\s+and\s+/).map(parsePredicate) : [];
    } catch (e) {
      return this.err(400, `BMXAA7737E - Invalid oslc.where: ${(e as Error).message}`);
    }
    const select = (req.query.get('oslc.select') ?? '*').replace(/\{[^}]*\}/g, '').split(',').map((s) => s.trim());
    const member = this.orders
      .filter((w) => preds.every((p) => p(w)))
      .map((w) => ({ href: this.href(w), ...(select.includes('*') ? { ...w } : Object.fromEntries(select.filter((k) => k in w).map((k) => [k, w[k]]))) }));
    return { status: 200, body: { member, responseInfo: { href: `${this.url}${PATH}` } } };
  }

  private create(req: SimRequest): SimReply | 'lost' {
    const b = parseBody(req.body);
    if (!b) return this.err(400, 'BMXAA9491E - The JSON payload could not be parsed.');
    const siteid = b.siteid;
    if (typeof siteid !== 'string' || !siteid) return this.err(400, 'BMXAA4195E - A value is required for the Site field on the WORKORDER object.');
    if (this.o.sites && !this.o.sites.includes(siteid)) return this.err(400, `BMXAA4153E - Site ${siteid} is not valid.`);
    if (typeof b.description === 'string' && b.description.length > 100) return this.err(400, 'BMXAA4049E - The value for the field DESCRIPTION is too long (100).');
    if (b.wopriority !== undefined && !Number.isInteger(b.wopriority)) return this.err(400, 'BMXAA4144E - WOPRIORITY must be an integer.');
    if (b.worktype !== undefined && !WORKTYPES.has(String(b.worktype))) return this.err(400, `BMXAA4123E - Work type ${String(b.worktype)} is not valid.`);
    const now = new Date().toISOString();
    const wo: MaximoWorkOrder = { ...b, workorderid: this.nextId, wonum: String(this.nextId), siteid, description: String(b.description ?? ''), status: 'WAPPR', statusdate: now, changeby: 'MAXADMIN', worklog: [] };
    this.nextId++;
    this.orders.push(wo);
    if (this.consumeLoss()) return 'lost';
    const href = this.href(wo);
    const props = req.headers.properties;
    if (typeof props !== 'string') return { status: 201, headers: { location: href } };
    const fields = props.split(',').map((s) => s.trim());
    return { status: 201, headers: { location: href }, body: { href, ...Object.fromEntries(fields.filter((k) => k in wo).map((k) => [k, wo[k]])) } };
  }
}

/** `attr="v"` or `attr in ["a","b"]` (OSLC query syntax as Maximo implements it). */
function parsePredicate(p: string): (w: MaximoWorkOrder) => boolean {
  const eq = /^([a-z0-9_.]+)\s*=\s*"([^"]*)"$/i.exec(p.trim());
  if (eq) return (w) => String(w[eq[1]!.toLowerCase()] ?? '') === eq[2];
  const inn = /^([a-z0-9_.]+)\s+in\s+\[(.*)\]$/i.exec(p.trim());
  if (inn) {
    const vals = new Set([...inn[2]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!));
    return (w) => vals.has(String(w[inn[1]!.toLowerCase()] ?? ''));
  }
  throw new Error(p);
}
