import { HttpSim, parseBody, type SimReply, type SimRequest } from './http-sim.js';

export interface MxWorkOrder {
  id: number;
  title: string;
  description: string;
  priority: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  completionNotes?: string;
  externalData?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface MxComment {
  id: number;
  content: string;
  createdAt: string;
}

const PRIORITIES = new Set(['NONE', 'LOW', 'MEDIUM', 'HIGH']);
/** Fields a PATCH may not change. */
const READ_ONLY = new Set(['id', 'createdAt', 'updatedAt', 'completedAt']);

/**
 * A MaintainX that honours what the target uses of REST API v1: `Authorization: Bearer <key>`
 * (401 otherwise), `POST /v1/workorders` (title required, priority NONE/LOW/MEDIUM/HIGH,
 * `externalData` kept), `GET /v1/workorders` newest first with `limit` and cursor paging
 * (`nextCursor`), and `GET /v1/workorders/{id}` (`{"workOrder": …}`). Updates: `PATCH
 * /v1/workorders/{id}` (priority checked, read-only fields refused), `GET` and `POST
 * /v1/workorders/{id}/comments` (`content` required; listing cursor-paged, oldest first); 404 for
 * a work order that does not exist. `loseNextUpdate` loses the answer to a stored comment.
 */
export class MaintainxSim extends HttpSim {
  readonly workOrders: MxWorkOrder[] = [];
  /** Comments by work order id. */
  readonly comments = new Map<number, MxComment[]>();
  /** Every PATCH applied: the work order id and the body. */
  readonly patches: { id: number; body: Record<string, unknown> }[] = [];
  private nextId = 5001;
  private nextCommentId = 90001;

  constructor(private readonly o: { apiKey: string }) {
    super();
  }

  get count(): number {
    return this.workOrders.length;
  }

  /** Adds unrelated work orders (made by people in the CMMS) to push ours down the list. */
  addOthers(n: number): void {
    for (let i = 0; i < n; i++) this.store({ title: `Manual WO ${i}`, description: '', priority: 'LOW' });
  }

  setStatus(id: number, status: string, completionNotes?: string): void {
    const w = this.workOrders.find((x) => x.id === id);
    if (!w) throw new Error(`no work order ${id}`);
    w.status = status;
    w.updatedAt = new Date().toISOString();
    if (status === 'DONE') w.completedAt = w.updatedAt;
    if (completionNotes) w.completionNotes = completionNotes;
  }

  /** People comment on the work order (to push ours down the comment list). */
  addComments(id: number, n: number): void {
    const list = this.comments.get(id) ?? [];
    for (let i = 0; i < n; i++) list.push({ id: this.nextCommentId++, content: `Technician comment ${i}`, createdAt: new Date().toISOString() });
    this.comments.set(id, list);
  }

  /** A planner sets the priority by hand. */
  setPriority(id: number, priority: string): void {
    const w = this.workOrders.find((x) => x.id === id);
    if (!w) throw new Error(`no work order ${id}`);
    w.priority = priority;
  }

  protected errorBody(_status: number, message: string): unknown {
    return { errors: [{ message }] };
  }

  private err(status: number, message: string): SimReply {
    return { status, body: this.errorBody(status, message) };
  }

  private store(b: Record<string, unknown>): MxWorkOrder {
    const now = new Date().toISOString();
    const w: MxWorkOrder = { ...b, id: this.nextId++, title: String(b.title), description: String(b.description ?? ''), priority: String(b.priority ?? 'NONE'), status: 'OPEN', createdAt: now, updatedAt: now };
    this.workOrders.push(w);
    return w;
  }

  protected route(req: SimRequest): SimReply | 'lost' {
    if (req.headers.authorization !== `Bearer ${this.o.apiKey}`) return this.err(401, 'Unauthorized: invalid or missing API key');
    if (req.path === '/v1/workorders' && req.method === 'POST') return this.create(req);
    if (req.path === '/v1/workorders' && req.method === 'GET') return { status: 200, body: page([...this.workOrders].reverse(), req.query, 'workOrders') };
    const m = /^\/v1\/workorders\/(\d+)(\/comments)?$/.exec(req.path);
    if (!m) return this.err(404, `Cannot ${req.method} ${req.path}`);
    const w = this.workOrders.find((x) => x.id === Number(m[1]));
    if (!w) return this.err(404, `Work order ${m[1]} not found`);
    if (m[2]) {
      if (req.method === 'GET') return { status: 200, body: page(this.comments.get(w.id) ?? [], req.query, 'comments') };
      if (req.method === 'POST') return this.comment(req, w);
    } else {
      if (req.method === 'GET') return { status: 200, body: { workOrder: w } };
      if (req.method === 'PATCH') return this.patch(req, w);
    }
    return this.err(404, `Cannot ${req.method} ${req.path}`);
  }

  private patch(req: SimRequest, w: MxWorkOrder): SimReply {
    const b = parseBody(req.body);
    if (!b) return this.err(400, 'Body must be a JSON object');
    const ro = Object.keys(b).find((k) => READ_ONLY.has(k));
    if (ro) return this.err(400, `${ro} cannot be changed`);
    if (b.priority !== undefined && !PRIORITIES.has(String(b.priority))) return this.err(400, `priority must be one of NONE, LOW, MEDIUM, HIGH`);
    if (b.title !== undefined && (typeof b.title !== 'string' || !b.title)) return this.err(400, 'title must be a non-empty string');
    Object.assign(w, b, { updatedAt: new Date().toISOString() });
    this.patches.push({ id: w.id, body: b });
    return { status: 200, body: { workOrder: w } };
  }

  private comment(req: SimRequest, w: MxWorkOrder): SimReply | 'lost' {
    const b = parseBody(req.body);
    if (!b) return this.err(400, 'Body must be a JSON object');
    if (typeof b.content !== 'string' || !b.content.trim()) return this.err(400, 'content is required');
    const c: MxComment = { id: this.nextCommentId++, content: b.content, createdAt: new Date().toISOString() };
    const list = this.comments.get(w.id) ?? [];
    list.push(c);
    this.comments.set(w.id, list);
    if (this.consumeUpdateLoss()) return 'lost';
    return { status: 201, body: { id: c.id } };
  }

  private create(req: SimRequest): SimReply | 'lost' {
    const b = parseBody(req.body);
    if (!b) return this.err(400, 'Body must be a JSON object');
    if (typeof b.title !== 'string' || !b.title) return this.err(400, 'title is required');
    if (b.priority !== undefined && !PRIORITIES.has(String(b.priority))) return this.err(400, `priority must be one of NONE, LOW, MEDIUM, HIGH`);
    const w = this.store(b);
    if (this.consumeLoss()) return 'lost';
    return { status: 201, body: { id: w.id } };
  }
}

/** One page of `items` as MaintainX pages lists: `limit` (at most 100) and an opaque `cursor`, `nextCursor` null on the last page. */
function page<T>(items: readonly T[], query: URLSearchParams, name: string): Record<string, unknown> {
  const limit = Math.min(Number(query.get('limit') ?? 100) || 100, 100);
  const offset = Number(Buffer.from(query.get('cursor') ?? '', 'base64url').toString() || 0);
  const nextCursor = offset + limit < items.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
  return { [name]: items.slice(offset, offset + limit), nextCursor };
}
