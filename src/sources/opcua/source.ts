import type { ClientSession, DataValue, OPCUAClient } from 'node-opcua';
import { errorMessage } from '../../core/errors.js';
import { OnceLogger } from '../../core/logger.js';
import type { Sample } from '../../core/sample.js';
import type { OpcuaSourceConfig } from '../../config/sources/opcua.js';
import type { ConnectionState, DeviceStatus, Source, SourceContext } from '../source.js';
import { pkiRoot } from './paths.js';
import { planSubscriptions, type PlannedItem, type SubscriptionPlan } from './plan.js';
import { loadRuntime, type Runtime } from './load.js';
import type { LiveSubscription, SubscriptionEvents } from './subscriptions.js';

/** How long teardown waits for a server that may be gone (CloseSession, disconnect). */
const TEARDOWN_TIMEOUT_MS = 3000;

interface Connection {
  client: OPCUAClient;
  session: ClientSession | undefined;
  subs: LiveSubscription[];
  /** Set when teardown starts: late events of this connection are ignored from then on. */
  closing: boolean;
}

/**
 * OPC UA telemetry. Lifecycle per connection: trust list → connect → session → resolve NodeIds →
 * one subscription per publishing interval → data until something breaks → tear down → backoff →
 * again. "Something breaks" is any of: node-opcua gives up repairing the channel, the session
 * closes, the server ends a subscription (BadTimeout), or — the case other gateways miss — a
 * subscription stays silent past its keep-alive deadline although the client thinks all is well.
 */
export class OpcuaSource implements Source {
  readonly type = 'opcua';
  readonly id: string;
  readonly plans: SubscriptionPlan[];
  private ctx: SourceContext | undefined;
  private rt: Runtime | undefined;
  private once: OnceLogger | undefined;
  private conn: Connection | undefined;
  private loop: Promise<void> | undefined;
  private readonly stopCtl = new AbortController();
  private broken: ((why: string) => void) | undefined;
  private readonly buf: Sample[] = [];
  private flushQueued = false;
  private state: { state: ConnectionState; detail: string | undefined; since: number } = { state: 'starting', detail: undefined, since: 0 };
  private readonly c = { dataChanges: 0, samples: 0, bad: 0, uncertain: 0, refused: 0, connects: 0, rebuilds: 0, repairs: 0, connectionLost: 0 };

  constructor(private readonly cfg: OpcuaSourceConfig) {
    this.id = cfg.id;
    this.plans = planSubscriptions(cfg);
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.once = new OnceLogger(ctx.log);
    ctx.signal.addEventListener('abort', () => this.stopCtl.abort(), { once: true });
    this.setState('starting', this.cfg.endpoint);
    // Runs in the background: start() resolves while the server may still be unreachable.
    this.loop = this.superviseForever();
  }

  private setState(state: ConnectionState, detail?: string): void {
    // After stop(), late events of a client being torn down must not revive the status.
    if (this.state.state === 'stopped') return;
    const now = this.ctx?.clock.now() ?? Date.now();
    if (state !== this.state.state) this.state = { state, detail, since: now };
    else this.state.detail = detail;
    this.ctx?.status(state, detail);
  }

  private async superviseForever(): Promise<void> {
    const { clock } = this.ctx!;
    const signal = this.stopCtl.signal;
    let delay = this.cfg.reconnect.initialDelay;
    while (!signal.aborted) {
      let why: string;
      try {
        why = await this.connectAndRun();
        delay = this.cfg.reconnect.initialDelay; // it worked for a while: start the backoff afresh
        if (!signal.aborted) this.c.rebuilds++;
      } catch (e) {
        const f = this.rt ? await this.rt.describeFailure(e, this.cfg, this.ctx!.dataDir) : { code: 'CBM_ERR_OPCUA_UNREACHABLE' as const, detail: errorMessage(e) };
        why = f.detail;
        this.once!.warn(`connect:${f.code}`, { source: this.id, endpoint: this.cfg.endpoint, code: f.code, err: errorMessage(e) }, f.detail);
        if (signal.aborted) break;
        this.setState(f.code === 'CBM_ERR_OPCUA_CERT_UNTRUSTED' ? 'disconnected' : 'reconnecting', `${f.code}: ${f.detail}`);
      }
      await this.teardown();
      if (signal.aborted) break;
      if (this.state.state === 'connected') this.setState('reconnecting', why);
      await clock.sleep(delay, signal).catch(() => undefined);
      delay = Math.min(delay * 2, this.cfg.reconnect.maxDelay);
    }
  }

  /** One connection's life. Resolves with the reason it ended; throws if it never got going. */
  private async connectAndRun(): Promise<string> {
    const ctx = this.ctx!;
    const rt = (this.rt ??= await loadRuntime());
    const root = pkiRoot(ctx.dataDir, this.cfg.pkiDir);
    const cm = await rt.openPki(root);
    if (this.cfg.securityMode !== 'None') {
      await rt.applyIssuers(cm, this.cfg, ctx.dataDir);
      const unmatched = await rt.applyTrustList(cm, root, this.cfg.trustedServerCertificates, ctx.dataDir);
      // A configured thumbprint of a certificate not seen yet: fetch what the server presents
      // and trust it only if it is exactly that certificate.
      if (unmatched.length > 0) {
        const der = await rt.fetchServerCertificate(this.cfg.endpoint, this.cfg, cm).catch(() => undefined);
        if (der) await rt.applyTrustList(cm, root, unmatched, ctx.dataDir, [der]);
      }
    }
    const client = rt.createClient(this.cfg, cm);
    const conn: Connection = { client, session: undefined, subs: [], closing: false };
    this.conn = conn;
    const ended = new Promise<string>((resolve) => (this.broken = resolve));
    const live = <A extends unknown[]>(fn: (...a: A) => void) => (...a: A) => {
      if (!conn.closing) fn(...a);
    };
    client.on(
      'connection_lost',
      live(() => {
        this.c.connectionLost++;
        this.setState('reconnecting', `connection to ${this.cfg.endpoint} lost; repairing`);
      }),
    );
    client.on('connection_reestablished', live(() => this.setState('connected', `${this.cfg.endpoint} (channel repaired)`)));
    client.on('backoff', live((n: number, ms: number) => this.setState('reconnecting', `${this.cfg.endpoint} unreachable; attempt ${n}, next in ${ms} ms`)));
    client.on(
      'close',
      live((err?: Error | null) => {
        if (err) this.broken?.(`channel closed: ${err.message}`);
      }),
    );

    await client.connect(this.cfg.endpoint);
    this.c.connects++;
    const session = await client.createSession(rt.userIdentity(this.cfg));
    conn.session = session;
    session.on('session_closed', live(() => this.broken?.('session closed by the server')));
    // A failed keep-alive while the channel is up means the server no longer knows the session;
    // while node-opcua is repairing the channel, the repair owns the session.
    session.on(
      'keepalive_failure',
      live(() => {
        if (!client.isReconnecting) this.broken?.('session keep-alive failed');
      }),
    );
    session.on(
      'session_restored',
      live(() => {
        this.c.repairs++;
        this.setState('connected', `${this.cfg.endpoint} (session restored)`);
      }),
    );

    const items = this.plans.flatMap((p) => p.batches.flatMap((b) => b.items));
    const resolved = await rt.resolveItems(session, items);
    const ev: SubscriptionEvents = {
      now: () => ctx.clock.now(),
      value: live((it: PlannedItem, dv: DataValue) => this.onValue(it, dv)),
      refused: (it, reason) => this.onRefused(it, reason),
      gone: live((_live: LiveSubscription, why: string) => this.broken?.(`subscription ended: ${why}`)),
    };
    for (const plan of this.plans) conn.subs.push(await rt.createSubscription(session, plan, resolved, this.cfg.maxKeepAliveCount, ev));
    this.setState('connected', `${this.cfg.endpoint} (${items.length} items in ${conn.subs.length} subscriptions, ${this.cfg.securityMode}/${this.cfg.securityPolicy})`);
    for (const code of ['UNREACHABLE', 'CERT_UNTRUSTED', 'AUTH', 'SECURITY']) this.once!.reset(`connect:CBM_ERR_OPCUA_${code}`);
    const watchdog = setInterval(() => this.checkSilence(conn), 1000);
    let retrying = false;
    const retry = setInterval(() => {
      if (retrying || conn.closing || client.isReconnecting) return;
      retrying = true;
      void Promise.all(conn.subs.map((s) => rt.retryRefused(s, (its) => rt.resolveItems(session, its), ev)))
        .catch((e: unknown) => this.once!.warn('retry', { source: this.id, err: errorMessage(e) }, 'retrying refused OPC UA items failed'))
        .finally(() => (retrying = false));
    }, this.cfg.refusedItemRetry);
    const onAbort = () => this.broken?.('stopping');
    this.stopCtl.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await ended;
    } finally {
      clearInterval(watchdog);
      clearInterval(retry);
      this.stopCtl.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * A subscription must answer every publishing interval × maxKeepAliveCount at the latest
   * (Part 4 §5.13.1.1: keep-alive). Twice that plus a margin without any Publish response means
   * the data has stopped although nothing said so: rebuild rather than stay silently stale.
   */
  private checkSilence(conn: Connection): void {
    const now = this.ctx!.clock.now();
    for (const s of conn.subs) {
      const deadline = 2 * s.plan.publishingInterval * this.cfg.maxKeepAliveCount + 5000;
      if (now - s.lastPublish > deadline) {
        this.broken?.(`no publish response for ${Math.round((now - s.lastPublish) / 1000)} s on the ${s.plan.publishingInterval} ms subscription`);
        return;
      }
    }
  }

  private onValue(it: PlannedItem, dv: DataValue): void {
    this.c.dataChanges++;
    // node-opcua may deliver the republished values before it reports the repair: data is proof.
    if (this.state.state === 'reconnecting') this.setState('connected', `${this.cfg.endpoint} (data flowing again)`);
    const s = this.rt!.toSample(it.tag, dv, this.ctx!.clock.now());
    if (s.quality === 'Bad') {
      this.c.bad++;
      // Once per item and status (the pipeline counts each Bad sample; this says where and why).
      this.once!.warn(`opcua_bad:${it.tag}:${s.reason}`, { source: this.id, tag: it.tag, nodeId: it.nodeId, browsePath: it.browsePath, status: s.reason }, 'OPC UA item reports a Bad status; its samples are Bad and kept from the rules');
    } else if (s.quality === 'Uncertain') this.c.uncertain++;
    this.push(s);
  }

  private onRefused(it: PlannedItem, reason: string): void {
    this.c.refused++;
    this.once!.warn(`refused:${it.tag}`, { source: this.id, tag: it.tag, nodeId: it.nodeId, browsePath: it.browsePath, reason }, 'OPC UA item cannot be monitored');
    this.push({ tag: it.tag, ts: this.ctx!.clock.now(), value: Number.NaN, quality: 'Bad', reason });
  }

  /** Collects the values of one Publish response (node-opcua emits them in one synchronous loop) into one ingest call. */
  private push(s: Sample): void {
    this.buf.push(s);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.c.samples += this.buf.length;
      try {
        this.ctx?.ingest(this.buf);
      } finally {
        this.buf.length = 0;
      }
    });
  }

  private async teardown(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    this.broken = undefined;
    if (!conn) return;
    // Events from a connection we are closing are noise (a "connection lost" after we hung up).
    conn.closing = true;
    const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, TEARDOWN_TIMEOUT_MS).unref())]);
    // Deleting subscriptions frees the server's resources now instead of after their lifetime.
    if (conn.session) await bounded(conn.session.close(true));
    await bounded(conn.client.disconnect());
  }

  counters(): Record<string, number> {
    const subs = this.conn?.subs ?? [];
    return { ...this.c, subscriptions: subs.length, items: this.cfg.items.length };
  }

  /** One device per subscription: its publishing interval, items and whether it still publishes. */
  devices(): DeviceStatus[] {
    const subs = this.conn?.subs ?? [];
    const now = this.ctx?.clock.now() ?? Date.now();
    return this.plans.map((p) => {
      const live = subs.find((s) => s.plan === p);
      const up = live !== undefined && this.state.state === 'connected';
      return {
        id: `subscription-${p.publishingInterval}ms`,
        state: up ? 'connected' : this.state.state === 'stopped' ? 'stopped' : 'reconnecting',
        detail: live ? `subscriptionId ${live.sub.subscriptionId}, last publish ${now - live.lastPublish} ms ago` : this.state.detail,
        since: this.state.since,
        counters: { items: p.itemCount, refused: live?.refused.size ?? 0, dataChanges: live?.dataChanges ?? 0 },
      };
    });
  }

  async stop(): Promise<void> {
    this.stopCtl.abort();
    // Cut a connect attempt short: node-opcua would otherwise sit out its retry delay first. A
    // live session is closed properly by teardown instead (deleting its subscriptions on the server).
    const conn = this.conn;
    if (conn && !conn.session) {
      conn.closing = true;
      void conn.client.disconnect().catch(() => undefined);
    }
    await this.loop;
    await this.teardown();
    this.setState('stopped');
  }
}
