import type { Gateway } from '../../gateway/gateway.js';
import type { Logger } from '../../src/core/logger.js';
import { deliveryHealthReasons, targetHealth, type TargetHealth } from '../../src/workorders/targets/health.js';
import { apiOf } from '../helpers/gateway.js';

/** What the fault tests read of /api/health. */
export interface Health {
  status: 'ok' | 'degraded';
  reasons: string[];
  sources: { id: string; state: string; detail?: string; counters: Record<string, number> }[];
  outbox: Record<string, number>;
  dispatcher: { sent: number; retried: number; lastError?: string; byTarget: Record<string, { sent: number; retried: number }> };
  timeseries: { connected: boolean; written: number; spill?: { lines: number } } | null;
  ingest: Record<string, number>;
}

export async function health(gw: Gateway): Promise<Health> {
  return (await apiOf(gw).inject('/api/health')).json<Health>();
}

/** /metrics as `name{labels}` → value. */
export async function metrics(gw: Gateway): Promise<Map<string, number>> {
  const text = (await apiOf(gw).inject('/metrics')).body;
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/**
 * The reasons /api/health gives for failing targets and a backlog once the lead wires
 * deliveryHealthReasons into gateway/api.ts (the fault tests compute them from the same parts).
 */
export function deliveryReasons(gw: Gateway, targetIds: string[]): { reasons: string[]; targets: TargetHealth[] } {
  const targets = targetIds.map((id) => targetHealth(gw.target(id)!)!);
  return { reasons: deliveryHealthReasons(targets, gw.view.outbox.pending(), gw.view.clock.now(), LIMITS), targets };
}

/** `workOrders` for the fault tests: one webhook target (the receiver at `url`), quick retries. */
export function cmmsOrders(url: string) {
  return { targets: [{ id: 'cmms', type: 'webhook' as const, url: `${url}/wo` }], retry: { initialDelay: 100, maxDelay: 400 } };
}

/** The limits the fault tests configure (`workOrders.health`). */
export const LIMITS = { failures: 3, failingFor: 2_000, maxPending: 2, maxPendingAge: 3_600_000 };

/** A logger that keeps every line (children share the list). */
export function recordingLogger(lines: { level: string; msg: string; obj: Record<string, unknown> }[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  const log: Logger = { debug() {}, info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

/**
 * A CMMS front that misbehaves on demand (a proxy, a load balancer, the CMMS itself under load):
 * answers 500 or 429 (with Retry-After), or takes requests and never answers; `ok` forwards to the
 * real receiver behind it.
 */
export class FlakyFront {
  mode: 'ok' | 500 | 429 | 'hang' = 'ok';
  requests = 0;
  private server: import('node:http').Server | undefined;
  private readonly hung = new Set<import('node:http').ServerResponse>();

  constructor(private readonly upstream: () => string) {}

  async start(): Promise<string> {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        if (this.mode === 'hang') return void this.hung.add(res);
        if (this.mode !== 'ok') return void res.writeHead(this.mode, { 'content-type': 'application/json', ...(this.mode === 429 ? { 'retry-after': '1' } : {}) }).end(JSON.stringify({ error: this.mode === 429 ? 'too many requests' : 'internal error' }));
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
        void fetch(`${this.upstream()}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) })
          .then(async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(await r.text()))
          .catch(() => res.writeHead(502).end());
      });
    });
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  /** Cuts the connections of the requests left hanging (the CMMS's proxy gives up on them). */
  dropHung(): void {
    for (const r of this.hung) r.destroy();
    this.hung.clear();
  }

  async stop(): Promise<void> {
    for (const r of this.hung) r.destroy();
    const s = this.server;
    s?.closeAllConnections();
    await new Promise((r) => (s ? s.close(r) : r(undefined)));
  }
}
