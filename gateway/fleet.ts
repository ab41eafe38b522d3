import { createRequire } from 'node:module';
import { stateName } from '../src/alarms/lifecycle.js';
import type { Clock } from '../src/core/clock.js';
import type { Logger } from '../src/core/logger.js';
import type { Sample } from '../src/core/sample.js';
import type { SiteConfig } from '../src/config/schema.js';
import { GatewayStatus } from '../src/fleet/status.js';
import type { Change } from '../src/pipeline/commit.js';
import type { Stages } from '../src/pipeline/stages.js';
import { createEdgeNode, tapWriter } from '../src/sparkplug/create.js';
import type { EdgeNode } from '../src/sparkplug/edge-node.js';
import type { Catalog } from '../src/tags/catalog.js';
import type { TimeSeriesWriter } from '../src/timeseries/writer.js';
import type { OrderStatusListener } from '../src/workorders/status.js';

/** What the fleet links read of the gateway: plain config, clocks and narrow reads. */
export interface FleetDeps {
  config: SiteConfig;
  clock: Clock;
  log: Logger;
  startedAt: number;
  dataDir: string;
  catalog: Catalog;
  /** Connection state per source, for the status message. */
  sources: () => { id: string; state: string }[];
  /** Pending deliveries, for the status message. */
  pending: () => { count: number; oldestCreatedAt: number | undefined };
  onOrderStatus(listener: OrderStatusListener): () => void;
}

/** The package version, from `gateway/` (tsx) or `dist/gateway/` (built). */
function packageVersion(): string | undefined {
  const req = createRequire(import.meta.url);
  for (const p of ['../package.json', '../../package.json']) {
    try {
      const j = req(p) as { name?: string; version?: string };
      if (j.name === 'cbm-gateway') return j.version;
    } catch {
      // not at this level
    }
  }
  return undefined;
}

const version = packageVersion();

/**
 * What the gateway tells central systems: its status (birth and last will) and its data as a
 * Sparkplug B edge node. Built after the rules and the outbox are open (it seeds alarm states and
 * open orders from them) and before the pipeline (which feeds it through {@link writer} and
 * {@link committed}); stopped after the dispatcher, so the last order states go out before NDEATH.
 */
export class FleetLinks {
  readonly status: GatewayStatus | undefined;
  readonly edge: EdgeNode | undefined;

  constructor(private readonly gw: FleetDeps) {
    const cfg = gw.config;
    const log = gw.log.child({ part: 'fleet' });
    const identity = { gatewayId: cfg.gateway.id, site: { id: cfg.site.id, name: cfg.site.name }, version };
    if (cfg.status?.enabled) {
      this.status = new GatewayStatus(cfg.status, identity, {
        clock: gw.clock,
        log,
        startedAt: gw.startedAt,
        details: () => ({
          sources: gw.sources(),
          outbox: gw.pending(),
          sparkplug: this.edge ? { born: this.edge.stats().born } : undefined,
        }),
      });
    }
    if (cfg.sparkplug?.enabled) {
      this.edge = createEdgeNode(cfg.sparkplug, { ...identity, assets: [...gw.catalog.assets.values()], tagCount: gw.catalog.tags.length, dataDir: gw.dataDir, clock: gw.clock, log: log.child({ sparkplug: true }) });
      gw.onOrderStatus((e) => this.edge!.order({ orderId: e.order.id, assetId: e.order.assetId, ruleId: e.order.ruleId, state: e.update.status, ts: Date.parse(e.update.at) || gw.clock.now() }));
    }
  }

  /**
   * Alarm states and orders as they are once the rules are loaded, so the first births carry
   * them. Called by the composition root after the stages are built.
   */
  seed(stages: Pick<Stages, 'book' | 'outbox'>): void {
    const edge = this.edge;
    if (!edge) return;
    const now = this.gw.clock.now();
    for (const a of stages.book.list()) {
      const s = a.state;
      edge.alarm({ ruleId: a.ruleId, assetId: a.assetId, state: stateName(s), active: s.active, priority: a.priority, ts: Number.isFinite(s.since) ? s.since : now });
    }
    for (const r of stages.outbox.list({ limit: 100_000 }).reverse()) {
      if (r.kind === 'held') continue;
      edge.order({ orderId: r.order.id, assetId: r.order.asset.id, ruleId: r.order.rule.id, state: r.status, ts: r.statusAt ?? Date.parse(r.order.createdAt) });
    }
  }

  start(): void {
    this.status?.start();
    this.edge?.start();
  }

  /** The pipeline's time-series sink, with the edge node listening to every accepted sample. */
  writer(writer: TimeSeriesWriter | undefined): TimeSeriesWriter | undefined {
    if (!this.edge) return writer;
    const catalog = this.gw.catalog;
    return tapWriter(writer, this.edge, (s: Sample) => s.index ?? catalog.tag(s.tag)?.index);
  }

  /** Alarm transitions and the orders they made, once committed. */
  committed(changes: readonly Change[]): void {
    const edge = this.edge;
    if (!edge) return;
    for (const { transition: t, actions } of changes) {
      edge.alarm({ ruleId: t.ruleId, assetId: t.assetId, state: stateName(t.state), active: t.state.active, priority: t.priority, ts: t.ts });
      for (const a of actions) if (a.kind === 'create') edge.order({ orderId: a.order.id, assetId: a.order.asset.id, ruleId: a.order.rule.id, state: 'open', ts: Date.parse(a.order.createdAt) });
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.edge?.stop(), this.status?.stop()]);
  }
}
