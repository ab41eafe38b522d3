import { AlarmBook } from '../src/alarms/book.js';
import { AlarmStore } from '../src/alarms/store.js';
import { systemClock, type Clock } from '../src/core/clock.js';
import { errorMessage } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import { resolveFrom, type LoadedConfig } from '../src/config/load.js';
import { Pipeline } from '../src/ingest/pipeline.js';
import { RuleEngine } from '../src/rules/engine.js';
import { tagFacts } from '../src/rules/facts.js';
import { loadRules, ruleFiles, type LoadedRules } from '../src/rules/load.js';
import { createSource } from '../src/sources/registry.js';
import type { ConnectionState, Source, SourceStatus } from '../src/sources/source.js';
import { openStore, type Db } from '../src/store/db.js';
import { Catalog } from '../src/tags/catalog.js';
import { LatestValues } from '../src/tags/latest.js';
import { InfluxWriter } from '../src/timeseries/influx.js';
import { SpillStore } from '../src/timeseries/spill.js';
import type { TimeSeriesWriter } from '../src/timeseries/writer.js';
import { Dispatcher } from '../src/workorders/dispatcher.js';
import { buildWorkOrder } from '../src/workorders/model.js';
import { Outbox } from '../src/workorders/outbox.js';
import { OrderStatusBook, type OrderStatusListener } from '../src/workorders/status.js';
import { StatusPoller } from '../src/workorders/status-poller.js';
import { createTarget } from '../src/workorders/targets/registry.js';
import type { WorkOrderTarget } from '../src/workorders/target.js';
import { buildApi, type ApiDeps } from './api.js';
import type { FastifyInstance } from 'fastify';

export interface GatewayOptions {
  clock?: Clock;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Override the API port (tests pass 0). */
  apiPort?: number;
}

interface Step {
  name: string;
  run: () => void | Promise<void>;
}

/**
 * The composition root: builds every part from the site config, starts them in order and stops
 * them in reverse. Start-up: open store → load rules → restore alarms → targets & dispatcher →
 * time-series writer → sources → API. Shutdown: API → sources → writer flush → dispatcher → store.
 */
export class Gateway {
  readonly clock: Clock;
  readonly log: Logger;
  readonly catalog: Catalog;
  readonly latest: LatestValues;
  readonly startedAt: number;
  db!: Db;
  outbox!: Outbox;
  alarmStore!: AlarmStore;
  book!: AlarmBook;
  engine!: RuleEngine;
  pipeline!: Pipeline;
  dispatcher!: Dispatcher;
  orderStatus!: OrderStatusBook;
  statusPoller: StatusPoller | undefined;
  rules!: LoadedRules;
  writer: TimeSeriesWriter | undefined;
  api: FastifyInstance | undefined;
  apiAddress: string | undefined;
  readonly sources: Source[] = [];
  readonly sourceStatus = new Map<string, SourceStatus>();
  readonly targets = new Map<string, WorkOrderTarget>();
  private readonly stopCtl = new AbortController();
  private stopped = false;
  private readonly statusListeners = new Set<OrderStatusListener>();

  constructor(
    readonly loaded: LoadedConfig,
    private readonly opts: GatewayOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.catalog = new Catalog(loaded.config);
    this.latest = new LatestValues(this.catalog.tags.length);
    this.startedAt = this.clock.now();
  }

  /**
   * The one hook for work-order status from the CMMS (inbound endpoint or polling): called after
   * the status is committed, once per change. May be called before `start()`. Returns an unsubscribe.
   */
  onOrderStatus(listener: OrderStatusListener): () => void {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  }

  get config() {
    return this.loaded.config;
  }

  get dataDir(): string {
    return resolveFrom(this.loaded.baseDir, this.config.gateway.dataDir);
  }

  private startSteps(): Step[] {
    const cfg = this.config;
    return [
      {
        name: 'open store',
        run: () => {
          this.db = openStore(resolveFrom(this.dataDir, 'gateway.db'));
          this.outbox = new Outbox(this.db);
          this.orderStatus = new OrderStatusBook(this.db, this.clock, this.log.child({ part: 'status' }));
          this.orderStatus.onStatus((e) => {
            for (const l of this.statusListeners) l(e);
          });
          this.alarmStore = new AlarmStore(this.db);
        },
      },
      {
        name: 'load rules',
        run: () => {
          this.book = new AlarmBook((inst, episode, ts) =>
            buildWorkOrder(inst, episode, ts, { gatewayId: cfg.gateway.id, site: cfg.site, now: this.clock.now(), tagValue: (i) => this.latest.num[i]! }),
          );
          this.book.restore(this.alarmStore.loadAll());
          this.engine = new RuleEngine(this.catalog.tags.length, this.book);
          const files = ruleFiles(cfg.rules.map((r) => resolveFrom(this.loaded.baseDir, r)));
          this.rules = loadRules(files, this.catalog, tagFacts(this.catalog, this.latest), this.opts.env);
          this.engine.load(this.rules.instances);
          this.log.info({ files: files.length, rules: this.rules.rules.length, instances: this.rules.instances.length }, 'rules loaded');
        },
      },
      {
        name: 'start dispatcher',
        run: () => {
          for (const t of cfg.workOrders.targets) this.targets.set(t.id, createTarget(t));
          this.dispatcher = new Dispatcher({
            outbox: this.outbox,
            targets: this.targets,
            clock: this.clock,
            log: this.log.child({ part: 'dispatcher' }),
            retry: cfg.workOrders.retry,
            concurrency: cfg.workOrders.concurrency,
          });
          this.dispatcher.start();
          this.statusPoller = new StatusPoller({
            book: this.orderStatus,
            targets: this.targets,
            clock: this.clock,
            log: this.log.child({ part: 'status-poll' }),
            interval: cfg.workOrders.status.pollInterval,
          });
          this.statusPoller.start();
        },
      },
      {
        name: 'start time-series writer',
        run: () => {
          if (!cfg.influx?.enabled) return;
          const spill = cfg.influx.spill.enabled ? new SpillStore(resolveFrom(this.dataDir, 'spill.db'), cfg.influx.spill.maxBytes) : undefined;
          this.writer = new InfluxWriter(cfg.influx, { log: this.log.child({ part: 'influx' }), spill });
        },
      },
      {
        name: 'build pipeline',
        run: () => {
          this.pipeline = new Pipeline({
            catalog: this.catalog,
            latest: this.latest,
            rules: this.engine,
            book: this.book,
            db: this.db,
            alarms: this.alarmStore,
            outbox: this.outbox,
            targetIds: () => [...this.targets.keys()],
            writer: this.writer,
            clock: this.clock,
            log: this.log.child({ part: 'ingest' }),
            onOrders: () => this.dispatcher.wake(),
            measurement: cfg.influx?.measurement ?? 'class',
          });
        },
      },
      {
        name: 'start sources',
        run: async () => {
          for (const sc of cfg.sources) {
            if (!sc.enabled) continue;
            const src = createSource(sc);
            this.sources.push(src);
            this.sourceStatus.set(src.id, { id: src.id, type: src.type, state: 'starting', detail: undefined, since: this.clock.now(), counters: {} });
            const log = this.log.child({ source: src.id });
            await src.start({
              ingest: (samples) => this.pipeline.ingest(samples),
              status: (state, detail) => this.setStatus(src, state, detail, log),
              clock: this.clock,
              log,
              signal: this.stopCtl.signal,
              dataDir: this.dataDir,
            });
          }
        },
      },
      {
        name: 'start API',
        run: async () => {
          if (!cfg.api.enabled) return;
          this.api = buildApi(this.apiDeps());
          this.apiAddress = await this.api.listen({ host: cfg.api.host, port: this.opts.apiPort ?? cfg.api.port });
          this.log.info({ url: this.apiAddress }, 'API listening');
        },
      },
    ];
  }

  private setStatus(src: Source, state: ConnectionState, detail: string | undefined, log: Logger): void {
    const prev = this.sourceStatus.get(src.id);
    if (prev?.state !== state) log.info({ state, detail }, `source ${state}`);
    this.sourceStatus.set(src.id, { id: src.id, type: src.type, state, detail, since: prev?.state === state ? prev.since : this.clock.now(), counters: {} });
  }

  apiDeps(): ApiDeps {
    return {
      gatewayId: this.config.gateway.id,
      site: this.config.site,
      clock: this.clock,
      startedAt: this.startedAt,
      catalog: this.catalog,
      latest: this.latest,
      book: this.book,
      alarmStore: this.alarmStore,
      outbox: this.outbox,
      orderStatus: this.orderStatus,
      statusSecret: this.config.workOrders.status.secret,
      wakeDispatcher: () => this.dispatcher.wake(),
      rules: () => this.rules,
      ingest: () => this.pipeline.stats,
      dispatcher: () => this.dispatcher.stats,
      timeseries: () => this.writer?.stats(),
      sources: () =>
        [...this.sourceStatus.values()].map((s) => {
          const src = this.sources.find((x) => x.id === s.id);
          const devices = src?.devices?.();
          return { ...s, counters: src?.counters() ?? {}, ...(devices ? { devices } : {}) };
        }),
    };
  }

  async start(): Promise<void> {
    for (const step of this.startSteps()) {
      try {
        await step.run();
      } catch (e) {
        this.log.error({ step: step.name, err: errorMessage(e) }, 'start-up failed');
        await this.stop();
        throw e;
      }
    }
    this.log.info({ gateway: this.config.gateway.id, assets: this.catalog.assets.size, tags: this.catalog.tags.length }, 'gateway started');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopCtl.abort();
    const steps: Step[] = [
      { name: 'stop API', run: async () => void (await this.api?.close()) },
      { name: 'stop sources', run: async () => void (await Promise.all(this.sources.map((s) => s.stop()))) },
      { name: 'flush time-series writer', run: async () => void (await this.writer?.close()) },
      { name: 'stop status polling', run: async () => void (await this.statusPoller?.stop()) },
      { name: 'stop dispatcher', run: async () => void (await this.dispatcher?.stop()) },
      { name: 'close targets', run: async () => void (await Promise.all([...this.targets.values()].map((t) => t.close()))) },
      { name: 'close store', run: () => void this.db?.close() },
    ];
    for (const step of steps) {
      try {
        await step.run();
      } catch (e) {
        this.log.warn({ step: step.name, err: errorMessage(e) }, 'shutdown step failed; continuing');
      }
    }
    this.log.info({}, 'gateway stopped');
  }
}
