import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock } from '../src/core/clock.js';
import { CbmError, isCbmError } from '../src/core/errors.js';
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
import { workOrderRoutes } from './api-workorders.js';
import { alarmsOf, registerAlarmRoutes, type AlarmApiDeps } from './api-alarms.js';
import { registerHistoryRoutes, type HistoryApiDeps } from './api-history.js';
import { registerRuleRoutes, type RulesApiDeps } from './api-rules.js';
import { dashboardHtml } from './dashboard.js';
import { metricsText } from './metrics.js';
import type { CheckpointStats } from '../src/store/checkpointer.js';
import type { ProcessMetrics } from './process-metrics.js';

/**
 * What the API reads, and the narrow commands it may send (alarm commands, order retry/cancel,
 * status reports). Read-only views of the gateway's parts; nothing here lets the API reach into
 * a stage's state.
 */
export interface ApiDeps extends AlarmApiDeps, HistoryApiDeps, RulesApiDeps {
  gatewayId: string;
  site: { id: string; name: string };
  clock: Clock;
  startedAt: number;
  catalog: Pick<Catalog, 'asset' | 'assets' | 'tag'>;
  latest: Pick<LatestValues, 'get'>;
  meters: Pick<Meters, 'value'>;
  outbox: Pick<Outbox, 'list' | 'counts' | 'pending' | 'resolve' | 'retry' | 'cancel'>;
  /** CMMS status per order (inbound endpoint, polling) and its history. */
  orderStatus: Pick<OrderStatusBook, 'history' | 'applyReport'>;
  /** Shared secret for `POST /api/work-orders/status`; none = unsigned reports accepted. */
  statusSecret: string | undefined;
  /** Operator retry: deliver now rather than at the dispatcher's next idle poll. */
  wakeDispatcher: () => void;
  rules: () => LoadedRules;
  ingest: () => IngestStats;
  dispatcher: () => DispatcherStats;
  /** Status polling of the targets that can be asked (rounds, updates, errors). */
  statusPoll: () => { rounds: number; updates: number; errors: number };
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

/** Builds the HTTP API without listening (fastify's testing pattern: `inject()` in tests). */
export function buildApi(d: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false });

  app.setErrorHandler((err, _req, reply) => {
    if (isCbmError(err)) return reply.status(err.statusCode).send({ code: err.code, message: err.message });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({ code: status < 500 ? 'CBM_ERR_BAD_REQUEST' : 'CBM_ERR_INTERNAL', message: (err as Error).message });
  });

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(dashboardHtml(d.site.name)));

  app.get('/api/health', async () => {
    const sources = d.sources();
    const ts = d.timeseries();
    const outbox = d.outbox.counts();
    const store = d.storeHealth();
    // Degraded: a source is down, InfluxDB is unreachable, or work orders need an operator.
    const reasons = [
      ...sources.filter((s) => s.state !== 'connected').map((s) => `source ${s.id} ${s.state}`),
      ...(ts !== undefined && !ts.connected ? ['InfluxDB unreachable'] : []),
      ...(!store.writable ? [`store cannot write (${store.error}); ${store.held} alarm changes and orders held in memory`] : []),
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
      store,
      timeseries: ts ?? null,
    };
  });

  app.get('/api/sources', async () => d.sources());

  app.get('/api/assets', async () => [...d.catalog.assets.keys()].map((id) => assetView(d, id)));
  app.get<{ Params: { id: string } }>('/api/assets/:id', async (req) => assetView(d, req.params.id));

  void app.register(workOrderRoutes({ clock: d.clock, outbox: d.outbox, status: d.orderStatus, statusSecret: d.statusSecret, wakeDispatcher: d.wakeDispatcher }));

  registerAlarmRoutes(app, d);
  registerHistoryRoutes(app, d);
  registerRuleRoutes(app, d);

  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(metricsText({ now: d.clock.now(), ingest: d.ingest(), outbox: d.outbox.counts(), pending: d.outbox.pending(), dispatcher: d.dispatcher(), timeseries: d.timeseries(), sources: d.sources(), process: d.process?.(), store: d.store?.(), storeHealth: d.storeHealth() })),
  );

  return app;
}
