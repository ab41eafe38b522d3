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
  worklog: { description: string; description_longdescription?: string; createdate: string; createby: string }[];
  [attr: string]: unknown;
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
 * `Location` header and, when the `properties` header asks, the record.
 */
export class MaximoSim extends HttpSim {
  readonly orders: MaximoWorkOrder[] = [];
  private nextId = 1001;

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
    if (note) wo.worklog.push({ description: note.slice(0, 100), description_longdescription: note, createdate: wo.statusdate, createby: by });
  }

  protected errorBody(status: number, message: string): unknown {
    const reason = status === 401 ? 'BMXAA7901E' : status >= 500 ? 'BMXAA9999E' : 'BMXAA4195E';
    return { Error: { extendedError: { moreInfo: { href: `${this.url}/maximo/api/error` } }, reasonCode: reason, message: `${reason} - ${message}`, statusCode: String(status) } };
  }

  private err(status: number, message: string): SimReply {
    return { status, body: this.errorBody(status, message) };
  }

  protected route(req: SimRequest): SimReply | 'lost' {
    if (req.path !== PATH) return this.err(404, `BMXAA8727E - The OSLC resource ${req.path} was not found.`);
    if (req.headers.apikey !== this.o.apiKey) return this.err(401, 'You cannot log in at this time. Contact the system administrator.');
    if (req.method === 'GET') return this.query(req);
    if (req.method === 'POST') return this.create(req);
    return this.err(405, `Method ${req.method} is not allowed`);
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
      .map((w) => (select.includes('*') ? { ...w } : Object.fromEntries(select.filter((k) => k in w).map((k) => [k, w[k]]))));
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
    const href = `${this.url}${PATH}/_${Buffer.from(`${wo.wonum}/${siteid}`).toString('base64url')}`;
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
