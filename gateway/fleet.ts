import { createRequire } from 'node:module';
import type { AlarmTransition } from '../src/alarms/book.js';
import { initialAlarmState, stateName } from '../src/alarms/lifecycle.js';
import type { Sample } from '../src/core/sample.js';
import { GatewayStatus } from '../src/fleet/status.js';
import { createEdgeNode, tapWriter } from '../src/sparkplug/create.js';
import type { EdgeNode } from '../src/sparkplug/edge-node.js';
import type { TimeSeriesWriter } from '../src/timeseries/writer.js';
import type { Gateway } from './gateway.js';

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

  constructor(private readonly gw: Gateway) {
    const cfg = gw.config;
    const log = gw.log.child({ part: 'fleet' });
    const identity = { gatewayId: cfg.gateway.id, site: { id: cfg.site.id, name: cfg.site.name }, version };
    if (cfg.status?.enabled) {
      this.status = new GatewayStatus(cfg.status, identity, {
        clock: gw.clock,
        log,
        startedAt: gw.startedAt,
        details: () => ({
          sources: [...gw.sourceStatus.values()].map((s) => ({ id: s.id, state: s.state })),
          outbox: gw.outbox.pending(),
          sparkplug: this.edge ? { born: this.edge.stats().born } : undefined,
        }),
      });
    }
    if (cfg.sparkplug?.enabled) {
      this.edge = createEdgeNode(cfg.sparkplug, { ...identity, assets: [...gw.catalog.assets.values()], tagCount: gw.catalog.tags.length, dataDir: gw.dataDir, clock: gw.clock, log: log.child({ sparkplug: true }) });
      this.seed(this.edge);
      gw.onOrderStatus((e) => this.edge!.order({ orderId: e.order.id, assetId: e.order.assetId, ruleId: e.order.ruleId, state: e.update.status, ts: Date.parse(e.update.at) || gw.clock.now() }));
    }
  }

  /** Alarm states and open orders as they are at start-up, so the first births carry them. */
  private seed(edge: EdgeNode): void {
    const now = this.gw.clock.now();
    for (const inst of this.gw.rules.instances) {
      const s = this.gw.book.peek(inst.key) ?? initialAlarmState();
      edge.alarm({ ruleId: inst.rule.id, assetId: inst.asset.id, state: stateName(s), active: s.active, priority: inst.rule.priority, ts: Number.isFinite(s.since) ? s.since : now });
    }
    for (const r of this.gw.outbox.list({ limit: 100_000 }).reverse()) {
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
  committed(transitions: readonly AlarmTransition[]): void {
    const edge = this.edge;
    if (!edge) return;
    for (const t of transitions) {
      edge.alarm({ ruleId: t.inst.rule.id, assetId: t.inst.asset.id, state: stateName(t.state), active: t.state.active, priority: t.inst.rule.priority, ts: t.ts });
      if (t.order) edge.order({ orderId: t.order.id, assetId: t.order.asset.id, ruleId: t.order.rule.id, state: 'open', ts: Date.parse(t.order.createdAt) });
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.edge?.stop(), this.status?.stop()]);
  }
}
