import { HttpSim, type SimReply, type SimRequest } from '../../simulators/cmms/http-sim.js';

/**
 * Puts `HttpSim`'s fault injection in front of any HTTP receiver (here the webhook receiver,
 * which has none of its own): it forwards each request and, when told, stores-then-loses the
 * answer to a create (a 201) or to an applied update (a 2xx to `X-CBM-Event: work_order.updated`).
 */
export class FaultProxy extends HttpSim {
  constructor(
    private readonly upstream: () => string,
    private readonly counter: () => number,
  ) {
    super();
  }

  get count(): number {
    return this.counter();
  }

  protected errorBody(status: number, message: string): unknown {
    return { error: `${status} ${message}` };
  }

  protected async route(req: SimRequest): Promise<SimReply | 'lost'> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
    const res = await fetch(`${this.upstream()}${req.path}${req.query.size ? `?${req.query}` : ''}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.body });
    const text = await res.text();
    if (res.status === 201 && this.consumeLoss()) return 'lost';
    if (res.ok && req.headers['x-cbm-event'] === 'work_order.updated' && this.consumeUpdateLoss()) return 'lost';
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: pass the text through
    }
    return { status: res.status, body };
  }
}
