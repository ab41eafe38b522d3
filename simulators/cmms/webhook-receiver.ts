import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedOrder {
  key: string;
  externalId: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

export interface ReceiverOptions {
  /** Shared secret: requests must carry a valid `X-CBM-Signature`, or get 401. */
  secret?: string;
  /** Called once per new work order (not for replays of a known key). */
  onOrder?: (o: ReceivedOrder) => void;
}

/**
 * A CMMS that receives cbm-gateway's webhook and honours its contract (README: webhook
 * contract): checks `X-CBM-Signature` when it has a secret, requires `Idempotency-Key`, creates
 * one work order per key and answers a replayed key with the order it already made (200 instead
 * of 201). Counts every POST, so tests can tell deliveries from duplicates.
 */
export class WebhookReceiver {
  readonly orders = new Map<string, ReceivedOrder>();
  posts = 0;
  replays = 0;
  rejected = 0;
  private server: Server | undefined;
  private nextId = 1001;
  port = 0;

  constructor(private readonly o: ReceiverOptions = {}) {}

  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 1000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : port;
    return this.port;
  }

  /** Stops abruptly, dropping open connections, like a crashed CMMS. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url?.startsWith('/work-orders')) return send(200, [...this.orders.values()]);
    if (req.method !== 'POST') return send(405, { error: 'POST only' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    this.posts++;
    if (this.o.secret) {
      const sig = String(req.headers['x-cbm-signature'] ?? '');
      const want = `sha256=${createHmac('sha256', this.o.secret).update(raw).digest('hex')}`;
      if (sig.length !== want.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
        this.rejected++;
        return send(401, { error: 'bad or missing X-CBM-Signature' });
      }
    }
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') {
      this.rejected++;
      return send(400, { error: 'Idempotency-Key header required' });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      this.rejected++;
      return send(400, { error: 'body is not JSON' });
    }
    const known = this.orders.get(key);
    if (known) {
      this.replays++;
      return send(200, { id: known.externalId, replayed: true });
    }
    const order: ReceivedOrder = { key, externalId: `WO-${this.nextId++}`, body, receivedAt: Date.now() };
    this.orders.set(key, order);
    this.o.onOrder?.(order);
    send(201, { id: order.externalId });
  }
}
