import { OnceLogger, type Logger } from '../../core/logger.js';

/** What the embedded broker refused a client. */
/** `rate`: reading paused for a second, the client over its message rate (not refused, slowed). */
export type RefusalKind = 'connect' | 'publish' | 'subscribe' | 'packet' | 'connection' | 'rate';

export type RefusalCounts = Record<RefusalKind, number>;

const zero = (): RefusalCounts => ({ connect: 0, publish: 0, subscribe: 0, packet: 0, connection: 0, rate: 0 });

/**
 * Refusals counted per client and logged once per client and kind (a device retrying a bad
 * password every second costs one log line). Client ids come from the wire, so the per-client
 * table is bounded: past `maxClients` it starts again (the totals keep counting).
 */
export class Refusals {
  readonly totals = zero();
  private readonly byClient = new Map<string, RefusalCounts>();
  private readonly once: OnceLogger;

  constructor(
    log: Logger,
    private readonly maxClients = 10_000,
  ) {
    // Each client is logged once; beyond 10 clients a minute, one summary line per cause (a flood of them).
    this.once = new OnceLogger(log, { maxKeys: maxClients, burst: 10 });
  }

  /** Counts a refusal of `client` (its id, or its address before it has one) and logs the first of its kind. */
  refuse(kind: RefusalKind, client: string, reason: string, detail: object = {}): void {
    this.totals[kind]++;
    let c = this.byClient.get(client);
    if (!c) {
      if (this.byClient.size >= this.maxClients) this.byClient.clear();
      c = zero();
      this.byClient.set(client, c);
    }
    c[kind]++;
    this.once.warn(`${kind}:${client}`, { client, reason, ...detail }, `MQTT ${kind} refused`);
  }

  /** The counts of one client (zeros when it was never refused). */
  of(client: string): RefusalCounts {
    return { ...(this.byClient.get(client) ?? zero()) };
  }

  /** Clients refused anything, with their counts. */
  clients(): [string, RefusalCounts][] {
    return [...this.byClient].map(([id, c]) => [id, { ...c }]);
  }
}
