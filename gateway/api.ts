import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ScaledClock, type Clock } from '../src/core/clock.js';
import { stepSize } from '../src/core/clock-steps.js';
import { CbmError } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import { isoTime } from '../src/core/timestamp.js';
import type { StoreHealth } from '../src/pipeline/commit.js';
import type { IngestStats } from '../src/pipeline/pipeline.js';
import type { LoadedRules } from '../src/rules/load.js';
import type { SourceStatus } from '../src/sources/source.js';
import type { Catalog } from '../src/tags/catalog.js';
import type { LatestValues } from '../src/tags/latest.js';
import type { Meters } from '../src/tags/meters.js';
import type { TimeSeriesStats } from '../src/timeseries/writer.js';
import type { DispatcherStats } from '../src/workorders/dispatcher.js';
import type { Outbox } from '../src/workorders/outbox.js';
import type { OrderStatusBook } from '../src/workorders/status.js';
import { deliveryHealthReasons, type DeliveryHealthLimits, type TargetHealth } from '../src/workorders/targets/health.js';
import { registerHistoryRoutes, type HistoryApiDeps } from './api-history.js';
import { registerRuleRoutes, type RulesApiDeps } from './api-rules.js';
import type { CheckpointStats } from '../src/store/checkpointer.js';
import { registerAccessRoutes } from './api-access.js';
import { alarmsOf, registerAlarmRoutes, type AlarmApiDeps } from './api-alarms.js';
import { registerDocs, registerSchemaRoutes } from './api-docs.js';
import { registerEventRoutes, type EventStreamOptions } from './api-events.js';
import { newRefusalCounters, registerHardening } from './api-security.js';
import { defaultApiSettings, type ApiSettings } from './api-settings.js';
import { registerWorkOrderRoutes } from './api-workorders.js';
import type { AuditStore } from './audit.js';
import { registerAuth, type AccessStores } from './auth.js';
import { packageVersion } from './commands/dispatch.js';
import { healthScores, registerInsightRoutes, type InsightApiDeps } from './api-insight.js';
import { dashboard } from './dashboard.js';
import type { EventBus } from './events.js';
import { metricsText } from './metrics.js';
import type { ProcessMetrics } from './process-metrics.js';

/**
 * What the API reads, and the narrow commands it may send (alarm commands, order retry/cancel,
 * status reports). Read-only views of the gateway's parts; nothing here lets the API reach into
 * a stage's state.
 */
export interface ApiDeps extends AlarmApiDeps, InsightApiDeps, HistoryApiDeps, RulesApiDeps {
  gatewayId: string;
  site: { id: string; name: string };
  clock: Clock;
  startedAt: number;
  catalog: Pick<Catalog, 'asset' | 'assets' | 'tag'>;
  latest: Pick<LatestValues, 'get'>;
  meters: Pick<Meters, 'value'>;
  outbox: Pick<Outbox, 'list' | 'counts' | 'statusCounts' | 'pending' | 'resolve' | 'retry' | 'cancel'>;
  /** CMMS status per order (inbound endpoint, polling) and its history. */
  orderStatus: Pick<OrderStatusBook, 'history' | 'applyReport'>;
  /** Shared secret for `POST /api/work-orders/status` (`X-CBM-Signature`). */
  statusSecret: string | undefined;
  /** Accept unsigned status reports (`workOrders.status.unsigned: true`). */
  statusUnsigned: boolean;
  /** Operator retry: deliver now rather than at the dispatcher's next idle poll. */
  wakeDispatcher: () => void;
  rules: () => LoadedRules;
  ingest: () => IngestStats;
  dispatcher: () => DispatcherStats;
  /** Status polling of the targets that can be asked (rounds, updates, errors). */
  statusPoll: () => { rounds: number; updates: number; errors: number };
  /** Each work-order target's health: failing, failures in a row, since when, the last error. */
  targets: () => TargetHealth[];
  /** When a failing target or a growing backlog makes the gateway degraded (`workOrders.health`). */
  deliveryLimits: DeliveryHealthLimits;
  /** Wall-clock steps seen since start (the latest with its time and size). */
  clockSteps: () => { steps: number; last: { at: number; ms: number } | undefined };
  /** Assets and areas in an alarm flood now (the flood guard holds their new orders). */
  floods: () => { scope: string; orders: number; floodOrderId: string | undefined }[];
  /** Alarms whose rule evaluation failed since the last rule load, and orders that could not be built. */
  ruleErrors: () => { failedAlarms: string[]; evaluationErrors: number; orderErrors: number };
  /** Whether the store takes commits (alarm changes and orders wait in memory while it cannot). */
  storeHealth: () => StoreHealth;
  timeseries: () => TimeSeriesStats | undefined;
  sources: () => SourceStatus[];
  /** Event-loop delay since the previous read, and memory (absent: not reported). */
  process?: () => ProcessMetrics;
  /** The store's WAL checkpoints (see WalCheckpointer). */
  store?: () => CheckpointStats | undefined;
  /** Users, API tokens and login sessions. */
  access: AccessStores;
  /** Every command and rule change, with who, when, before and after. */
  audit: Pick<AuditStore, 'record' | 'list'>;
  /** Alarm, order and health changes for `GET /api/events`. */
  events: EventBus;
  /** Where the API logs what it refuses and what fails inside it. */
  log?: Logger;
}

function assetView(d: ApiDeps, id: string) {
  const a = d.catalog.asset(id);
  if (!a) throw new CbmError('CBM_ERR_NOT_FOUND', `no asset "${id}"`);
  const all = alarmsOf(d, id);
  const alarms = all.filter((x) => x.active);
  const worst = alarms.reduce((p, x) => Math.min(p, x.priority), 5);
  return {
    id: a.id,
    name: a.name,
    class: a.class ?? null,
    serialNumber: a.serialNumber ?? null,
    manufacturer: a.manufacturer ?? null,
    model: a.model ?? null,
    criticality: a.criticality,
    path: a.path,
    location: a.location,
    health: alarms.length === 0 ? 'ok' : worst <= 2 ? 'alarm' : 'warning',
    activeAlarms: alarms,
    alarms: all,
    tags: a.tags.map((t) => {
      const v = d.latest.get(t.index);
      return {
        id: t.id,
        name: t.name,
        unit: t.unit ?? null,
        value: v?.value ?? null,
        ts: v ? isoTime(v.ts) : null,
        quality: v?.quality ?? null,
        reason: v?.reason ?? null,
      };
    }),
    meters: a.meters.map((m) => ({ id: m.id, type: m.type, tag: m.tagIndex, value: d.meters.value[m.index] ?? null, unit: m.type === 'runHours' ? 'h' : 'starts' })),
  };
}

/** A wall-clock step within the last hour is worth a look (a wrong time set by hand, a VM resumed). */
function clockStepReason(d: ApiDeps): string[] {
  const last = d.clockSteps().last;
  if (!last || d.clock.now() - last.at > 3_600_000) return [];
  const size = stepSize(last.ms);
  return [`wall clock stepped ${size} at ${isoTime(last.at)}: alarm delays, delivery backoff and dead-letter ages moved with it; check the time source`];
}

/** Active alarms per priority, for metrics. */
function activeByPriority(d: ApiDeps): Record<number, number> {
  const out: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
  for (const id of d.catalog.assets.keys()) for (const a of d.alarms.list(id)) if (a.state.active) out[a.priority] = (out[a.priority] ?? 0) + 1;
  return out;
}

/**
 * Builds the HTTP API without listening (fastify's testing pattern: `inject()` in tests). In
 * order: the guards every request meets (Host, JSON-only commands, body limit, rate limits,
 * security headers; one error shape), authentication and roles, the OpenAPI document, then the
 * routes, each with the least role it needs (gateway/access.ts). Without settings (tests that
 * build it bare) authentication is off, as with `api.auth: none`; the gateway always passes its
 * config's.
 */
export function buildApi(d: ApiDeps, s: ApiSettings = defaultApiSettings({ auth: 'none' }), o: { events?: EventStreamOptions } = {}): FastifyInstance {
  // forceCloseConnections: event streams and browsers' keep-alive connections must not hold up the gateway's stop.
  const app = Fastify({ forceCloseConnections: true, logger: false, bodyLimit: s.bodyLimit, trustProxy: s.trustProxy, ...(s.tls ? { https: { cert: s.tls.cert, key: s.tls.key } } : {}) }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const counters = newRefusalCounters();
  void app.register(cookie);
  registerHardening(app, s, { log: d.log, counters, tls: s.tls !== undefined });
  registerAuth(app, s, d.access, counters);
  registerDocs(app, packageVersion());

  void app.register(async (scope) => {
    const api = scope.withTypeProvider<ZodTypeProvider>();
    // The page (gateway/web, built into dist/web): its files from the gateway itself, no login (the API asks).
    await scope.register(dashboard());

    api.get('/api/health', { config: { open: 'health' }, schema: { summary: 'Gateway health: ok, or degraded with the reasons', tags: ['gateway'] } }, async () => {
      const sources = d.sources();
      const ts = d.timeseries();
      const outbox = d.outbox.counts();
      const store = d.storeHealth();
      // Degraded: a source is down, InfluxDB is unreachable, or work orders need an operator.
      const reasons = [
        ...sources.filter((x) => x.state !== 'connected').map((x) => `source ${x.id} ${x.state}`),
        ...(ts !== undefined && !ts.connected ? ['InfluxDB unreachable'] : []),
        ...(!store.writable ? [`store cannot write (${store.error}); ${store.held} alarm changes and orders held in memory`] : []),
        ...clockStepReason(d),
        ...deliveryHealthReasons(d.targets(), d.outbox.pending(), d.clock.now(), d.deliveryLimits),
        ...d.floods().map((f) => `alarm flood on ${f.scope}: ${f.orders} new orders within the flood window; further orders are held and listed on flood order ${f.floodOrderId ?? '(pending)'}`),
        ...(d.ruleErrors().failedAlarms.length ? [`rule evaluation failed for ${d.ruleErrors().failedAlarms.join(', ')} (see the log)`] : []),
        ...(d.dispatcher().failing ? [`work-order dispatcher failing: ${d.dispatcher().lastLoopError}`] : []),
        ...(outbox.failed + outbox.dead > 0 ? [`${outbox.failed + outbox.dead} work-order deliveries failed or dead-lettered (see /api/work-orders?state=failed|dead)`] : []),
      ];
      return {
        status: reasons.length ? 'degraded' : 'ok',
        reasons,
        gatewayId: d.gatewayId,
        site: d.site,
        uptimeSeconds: Math.round((d.clock.now() - d.startedAt) / 1000),
        sources,
        ingest: d.ingest(),
        rules: { rules: d.rules().rules.length, instances: d.rules().instances.length, ...d.ruleErrors() },
        outbox,
        dispatcher: d.dispatcher(),
        targets: d.targets(),
        floods: d.floods(),
        // The gateway's time, and how fast it runs (a demo or a replay runs plant time faster): the page reads times against these.
        clock: { now: isoTime(d.clock.now()), scale: d.clock instanceof ScaledClock ? d.clock.scale : 1, steps: d.clockSteps().steps, lastStep: d.clockSteps().last ? { at: isoTime(d.clockSteps().last!.at), ms: d.clockSteps().last!.ms } : null },
        store,
        timeseries: ts ?? null,
      };
    });

    api.get('/api/sources', { schema: { summary: 'Each source with its state and counters', tags: ['gateway'] } }, async () => d.sources());
    api.get('/api/assets', { schema: { summary: 'Every asset with latest values, alarms and health', tags: ['assets'] } }, async () => [...d.catalog.assets.keys()].map((id) => assetView(d, id)));
    api.get('/api/assets/:id', { schema: { summary: 'One asset', tags: ['assets'], params: z.object({ id: z.string().min(1) }) } }, async (req) => assetView(d, req.params.id));

    registerWorkOrderRoutes(scope, {
      clock: d.clock,
      outbox: d.outbox,
      status: d.orderStatus,
      statusSecret: d.statusSecret,
      statusUnsigned: d.statusUnsigned,
      wakeDispatcher: d.wakeDispatcher,
      audit: d.audit,
      events: d.events,
    });
    registerAlarmRoutes(scope, d);
    registerAccessRoutes(scope, { clock: d.clock, access: d.access, audit: d.audit, settings: s, counters, log: d.log });
    registerEventRoutes(scope, d.events, o.events);
    registerSchemaRoutes(scope);
    registerInsightRoutes(scope, d);
    registerHistoryRoutes(scope, d);
    registerRuleRoutes(scope, d);

    api.get('/metrics', { config: { open: 'metrics' }, schema: { summary: 'Prometheus text exposition', tags: ['gateway'] } }, async (_req, reply) =>
      reply.type('text/plain; version=0.0.4').send(
        metricsText({
          now: d.clock.now(),
          ingest: d.ingest(),
          outbox: d.outbox.counts(),
          pending: d.outbox.pending(),
          dispatcher: d.dispatcher(),
          timeseries: d.timeseries(),
          sources: d.sources(),
          process: d.process?.(),
          store: d.store?.(),
          storeHealth: d.storeHealth(),
          floods: d.floods(),
          targets: d.targets(),
          clockSteps: d.clockSteps().steps,
          assetHealth: healthScores(d),
          activeAlarms: activeByPriority(d),
          orders: d.outbox.statusCounts(),
          api: { refused: counters, eventStreams: d.events.subscribers },
        }),
      ),
    );
  });

  return app;
}
