import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { HttpSim, parseBody, type SimReply, type SimRequest } from './http-sim.js';

export interface ReceivedOrder {
  key: string;
  externalId: string;
  body: Record<string, unknown>;
  receivedAt: number;
  /** Updates applied to it (`work_order.updated` events), in the order received. */
  updates: Record<string, unknown>[];
}

export interface ReceiverOptions {
  /** Shared secret: requests must carry a valid `X-CBM-Signature`, or get 401. */
  secret?: string;
  /** Called once per new work order (not for replays of a known key). */
  onOrder?: (o: ReceivedOrder) => void;
  /** Called once per update applied (not for a replayed one), with the order it changed. */
  onUpdate?: (o: ReceivedOrder, update: Record<string, unknown>) => void;
  /**
   * JSON file that keeps the numbering and the keys already seen across restarts, as a real CMMS
   * would: a restarted receiver goes on at WO-1007, and a redelivery after the restart is still a replay.
   */
  stateFile?: string;
}

interface SavedState {
  nextId: number;
  orders: [key: string, externalId: string][];
}

/**
 * A CMMS that receives cbm-gateway's webhook and honours its contract (docs/targets.md: the
 * webhook contract): checks `X-CBM-Signature` when it has a secret, requires `Idempotency-Key`,
 * creates one work order per key and answers a replayed key with the order it already made (200
 * instead of 201); applies a `work_order.updated` event to the order it names, once per key. Counts every POST, so tests can tell deliveries from duplicates; fault injection
 * (`failNext`, `loseNext`) comes from {@link HttpSim}.
 */
export class WebhookReceiver extends HttpSim {
  readonly orders = new Map<string, ReceivedOrder>();
  /** Updates by their own Idempotency-Key. */
  readonly updates = new Map<string, Record<string, unknown>>();
  posts = 0;
  replays = 0;
  rejected = 0;
  private nextId = 1001;

  constructor(private readonly o: ReceiverOptions = {}) {
    super();
    if (o.stateFile && existsSync(o.stateFile)) {
      const saved = JSON.parse(readFileSync(o.stateFile, 'utf8')) as SavedState;
      this.nextId = saved.nextId;
      for (const [key, externalId] of saved.orders) this.orders.set(key, { key, externalId, body: {}, receivedAt: 0, updates: [] });
    }
  }

  private save(): void {
    if (!this.o.stateFile) return;
    const state: SavedState = { nextId: this.nextId, orders: [...this.orders.values()].map((x) => [x.key, x.externalId]) };
    writeFileSync(this.o.stateFile, JSON.stringify(state));
  }

  get count(): number {
    return this.orders.size;
  }

  protected errorBody(_status: number, message: string): unknown {
    return { error: message };
  }

  protected route(req: SimRequest): SimReply | 'lost' {
    if (req.method === 'GET' && req.path.startsWith('/work-orders')) return { status: 200, body: [...this.orders.values()] };
    if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
    this.posts++;
    if (this.o.secret) {
      const sig = String(req.headers['x-cbm-signature'] ?? '');
      const want = `sha256=${createHmac('sha256', this.o.secret).update(req.body).digest('hex')}`;
      if (sig.length !== want.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
        this.rejected++;
        return { status: 401, body: { error: 'bad or missing X-CBM-Signature' } };
      }
    }
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') {
      this.rejected++;
      return { status: 400, body: { error: 'Idempotency-Key header required' } };
    }
    const body = parseBody(req.body);
    if (!body) {
      this.rejected++;
      return { status: 400, body: { error: 'body is not a JSON object' } };
    }
    if (req.headers['x-cbm-event'] === 'work_order.updated' || body.event === 'work_order.updated') return this.applyUpdate(key, body);
    const known = this.orders.get(key);
    if (known) {
      this.replays++;
      return { status: 200, body: { id: known.externalId, replayed: true } };
    }
    const order: ReceivedOrder = { key, externalId: `WO-${this.nextId++}`, body, receivedAt: Date.now(), updates: [] };
    this.orders.set(key, order);
    this.save();
    this.o.onOrder?.(order);
    if (this.consumeLoss()) return 'lost';
    return { status: 201, body: { id: order.externalId } };
  }

  /** An update names its order by `orderIdempotencyKey`; applied once per update key; 404 for an unknown order. */
  private applyUpdate(key: string, body: Record<string, unknown>): SimReply {
    const order = this.orders.get(String(body.orderIdempotencyKey ?? ''));
    if (!order) {
      this.rejected++;
      return { status: 404, body: { error: `no order with key ${String(body.orderIdempotencyKey)}` } };
    }
    if (this.updates.has(key)) {
      this.replays++;
      return { status: 200, body: { id: order.externalId, replayed: true } };
    }
    this.updates.set(key, body);
    order.updates.push(body);
    this.o.onUpdate?.(order, body);
    return { status: 200, body: { id: order.externalId } };
  }
}
