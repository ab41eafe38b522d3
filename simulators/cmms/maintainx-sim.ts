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

const PRIORITIES = new Set(['NONE', 'LOW', 'MEDIUM', 'HIGH']);

/**
 * A MaintainX that honours what the target uses of REST API v1: `Authorization: Bearer <key>`
 * (401 otherwise), `POST /v1/workorders` (title required, priority NONE/LOW/MEDIUM/HIGH,
 * `externalData` kept), `GET /v1/workorders` newest first with `limit` and cursor paging
 * (`nextCursor`), and `GET /v1/workorders/{id}` (`{"workOrder": …}`).
 */
export class MaintainxSim extends HttpSim {
  readonly workOrders: MxWorkOrder[] = [];
  private nextId = 5001;

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
    if (req.path === '/v1/workorders' && req.method === 'GET') {
      const limit = Math.min(Number(req.query.get('limit') ?? 100) || 100, 100);
      const offset = Number(Buffer.from(req.query.get('cursor') ?? '', 'base64url').toString() || 0);
      const newest = [...this.workOrders].reverse();
      const page = newest.slice(offset, offset + limit);
      const nextCursor = offset + limit < newest.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
      return { status: 200, body: { workOrders: page, nextCursor } };
    }
    const m = /^\/v1\/workorders\/(\d+)$/.exec(req.path);
    if (m && req.method === 'GET') {
      const w = this.workOrders.find((x) => x.id === Number(m[1]));
      return w ? { status: 200, body: { workOrder: w } } : this.err(404, `Work order ${m[1]} not found`);
    }
    return this.err(404, `Cannot ${req.method} ${req.path}`);
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
