import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request as a contract simulator sees it. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

/**
 * What every CMMS contract simulator shares: an HTTP server on loopback, request counting and
 * fault injection for tests.
 *
 * - `failNext(n, status)`: the next n requests get `status` with the vendor's error body, before
 *   any auth or routing (a proxy or an overloaded CMMS answering).
 * - `loseNext(n)`: the next n *creates* are stored, then the socket is destroyed without an
 *   answer (the response lost on the way back) so a test can prove a retry does not duplicate.
 * - `loseNextUpdate(n)`: the same for the next n *updates* of an existing record (applied, then
 *   unanswered), so a test can prove a retried update is applied once.
 */
export abstract class HttpSim {
  port = 0;
  requests = 0;
  private server: Server | undefined;
  private faults: { status: number; left: number } | undefined;
  private losses = 0;
  private updateLosses = 0;

  failNext(n: number, status: number): void {
    this.faults = { status, left: n };
  }

  loseNext(n = 1): void {
    this.losses = n;
  }

  loseNextUpdate(n = 1): void {
    this.updateLosses = n;
  }

  /** How many records the simulated CMMS holds (what a duplicate would raise). */
  abstract get count(): number;

  protected abstract route(req: SimRequest): SimReply | 'lost' | Promise<SimReply | 'lost'>;

  /** The vendor's error body for an injected or simulated failure. */
  protected abstract errorBody(status: number, message: string): unknown;

  /** Call after storing a created record: true means "drop the connection instead of answering". */
  protected consumeLoss(): boolean {
    if (this.losses <= 0) return false;
    this.losses--;
    return true;
  }

  /** Call after applying an update: true means "drop the connection instead of answering". */
  protected consumeUpdateLoss(): boolean {
    if (this.updateLosses <= 0) return false;
    this.updateLosses--;
    return true;
  }

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

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.requests++;
    const u = new URL(req.url ?? '/', 'http://sim');
    const write = (r: SimReply) => {
      const isText = typeof r.body === 'string';
      res.writeHead(r.status, { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...r.headers });
      res.end(r.body === undefined ? '' : isText ? (r.body as string) : JSON.stringify(r.body));
    };
    if (this.faults && this.faults.left > 0) {
      this.faults.left--;
      return write({ status: this.faults.status, body: this.errorBody(this.faults.status, 'injected fault') });
    }
    try {
      const out = await this.route({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (out === 'lost') {
        req.socket.destroy();
        return;
      }
      write(out);
    } catch (e) {
      write({ status: 500, body: this.errorBody(500, e instanceof Error ? e.message : String(e)) });
    }
  }
}

export function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
