import type { AlarmBook } from '../src/alarms/book.js';
import { AlarmStore } from '../src/alarms/store.js';
import { systemClock, type Clock } from '../src/core/clock.js';
import { errorMessage } from '../src/core/errors.js';
import { formatProblem, ProblemsError } from '../src/config/problems.js';
import { watchRules } from './rule-watcher.js';
import type { Logger } from '../src/core/logger.js';
import { resolveFrom, type LoadedConfig } from '../src/config/load.js';
import { Pipeline } from '../src/ingest/pipeline.js';
import { RuleRuntime } from '../src/rules/runtime.js';
import { MeterStore } from '../src/tags/meter-store.js';
import { ruleFiles, type LoadedRules } from '../src/rules/load.js';
import { createSource } from '../src/sources/registry.js';
import type { ConnectionState, Source, SourceStatus } from '../src/sources/source.js';
import { openStore, type Db } from '../src/store/db.js';
import { WalCheckpointer } from '../src/store/checkpointer.js';
import { Catalog } from '../src/tags/catalog.js';
import { LatestValues } from '../src/tags/latest.js';
import { InfluxWriter } from '../src/timeseries/influx.js';
import { SpillStore } from '../src/timeseries/spill.js';
import type { TimeSeriesWriter } from '../src/timeseries/writer.js';
import { Dispatcher } from '../src/workorders/dispatcher.js';
import { Outbox } from '../src/workorders/outbox.js';
import { OrderStatusBook, type OrderStatusListener } from '../src/workorders/status.js';
import { StatusPoller } from '../src/workorders/status-poller.js';
import { createTarget } from '../src/workorders/targets/registry.js';
import type { WorkOrderTarget } from '../src/workorders/target.js';
import { apiDepsOf } from './api-deps.js';
import { buildApi, type ApiDeps } from './api.js';
import { ProcessMonitor } from './process-metrics.js';
import type { FastifyInstance } from 'fastify';
import { FleetLinks } from './fleet.js';

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
  checkpointer: WalCheckpointer | undefined;
  outbox!: Outbox;
  alarmStore!: AlarmStore;
  runtime!: RuleRuntime;
  meterStore!: MeterStore;
  pipeline!: Pipeline;
  dispatcher!: Dispatcher;
  orderStatus!: OrderStatusBook;
  statusPoller: StatusPoller | undefined;
  writer: TimeSeriesWriter | undefined;
  api: FastifyInstance | undefined;
  /** Status and Sparkplug B on a central broker (fleet.ts). */
  fleet: FleetLinks | undefined;
  apiAddress: string | undefined;
  readonly sources: Source[] = [];
  readonly sourceStatus = new Map<string, SourceStatus>();
  /** Event-loop delay and memory, for /metrics. */
  readonly processMonitor = new ProcessMonitor();
  readonly targets = new Map<string, WorkOrderTarget>();
  private readonly stopCtl = new AbortController();
  private ticking: Promise<void> | undefined;
  private watcher: { close(): void } | undefined;
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

  get book(): AlarmBook {
    return this.runtime.book;
  }

  get rules(): LoadedRules {
    return this.runtime.rules;
  }

  get ruleFiles(): string[] {
    return ruleFiles(this.config.rules.map((r) => resolveFrom(this.loaded.baseDir, r)));
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
          this.checkpointer = new WalCheckpointer(this.db, this.log.child({ part: 'store' }));
          this.checkpointer.start();
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
          this.runtime = new RuleRuntime({ catalog: this.catalog, latest: this.latest, clock: this.clock, gatewayId: cfg.gateway.id, site: cfg.site, startedAt: this.startedAt });
          for (const a of this.alarmStore.loadAll()) this.runtime.book.restore(a.key, a.state);
          this.meterStore = new MeterStore(this.db);
          this.meterStore.restore(this.runtime.meters, this.runtime.baselines);
          const files = this.ruleFiles;
          const r = this.runtime.load(files, this.opts.env);
          this.log.info({ files: files.length, rules: r.rules.length, instances: r.instances.length }, 'rules loaded');
          for (const w of r.warnings) this.log.warn({ where: formatProblem(w) }, 'rule warning');
          // Completion in the CMMS re-arms the rule and restarts its "since service" meters.
          this.onOrderStatus((e) => {
            if (e.update.status !== 'completed' && e.update.status !== 'cancelled') return;
            const reset = this.runtime.orderClosed(e.order.ruleId, e.order.assetId, e.update.status === 'completed', `cmms:${e.source}`);
            for (const b of reset) this.meterStore.saveBaseline(`${e.order.ruleId}@${e.order.assetId}`, b.meterId, b.value);
            this.pipeline?.flush();
          });
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
          this.writer = new InfluxWriter(cfg.influx, { log: this.log.child({ part: 'influx' }), spill, tags: { site: cfg.site.id, gateway: cfg.gateway.id } });
        },
      },
      { name: 'start fleet links', run: () => void (this.fleet = new FleetLinks(this), this.fleet.start()) },
      {
        name: 'build pipeline',
        run: () => {
          this.pipeline = new Pipeline({
            catalog: this.catalog,
            latest: this.latest,
            rules: this.runtime,
            book: this.book,
            db: this.db,
            alarms: this.alarmStore,
            outbox: this.outbox,
            targetIds: () => [...this.targets.keys()],
            writer: this.fleet?.writer(this.writer) ?? this.writer,
            onCommitted: (t) => this.fleet?.committed(t),
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
              ingest: (samples) => this.pipeline.ingest(samples, true), // group commit per event-loop turn (README: Store and forward)
              whenDurable: (cb) => this.pipeline.whenDurable(cb),
              status: (state, detail) => this.setStatus(src, state, detail, log),
              clock: this.clock,
              log,
              signal: this.stopCtl.signal,
              dataDir: this.dataDir,
              tagIndex: (key) => this.catalog.tag(key)?.index,
            });
          }
        },
      },
      {
        name: 'start ticker and rule watcher',
        run: () => {
          this.ticking = this.tickLoop();
          if (cfg.gateway.watchRules) this.watcher = watchRules(this.ruleFiles, cfg.rules.map((r) => resolveFrom(this.loaded.baseDir, r)), () => this.reloadRules(), this.log);
        },
      },
      {
        name: 'start API',
        run: async () => {
          if (!cfg.api.enabled) return;
          this.processMonitor.start();
          this.api = buildApi(this.apiDeps());
          this.apiAddress = await this.api.listen({ host: cfg.api.host, port: this.opts.apiPort ?? cfg.api.port });
          this.log.info({ url: this.apiAddress }, 'API listening');
        },
      },
    ];
  }

  /**
   * Once a second: time-driven rule evaluation (windows, staleness, delays, shelve expiry);
   * every 10 s: usage meters to SQLite.
   */
  private async tickLoop(): Promise<void> {
    let n = 0;
    const signal = this.stopCtl.signal;
    while (!signal.aborted) {
      try {
        await this.clock.sleep(1000, signal);
      } catch {
        break;
      }
      try {
        // In steps, with the event loop running in between: samples keep flowing during a long tick.
        for (const _ of this.pipeline.tickSteps(this.clock.now())) await new Promise((r) => setImmediate(r));
        if (++n % 10 === 0) this.meterStore.saveMeters(this.runtime.meters, this.clock.now());
      } catch (e) {
        this.log.error({ err: errorMessage(e) }, 'tick failed');
      }
    }
  }

  /**
   * Reloads the rule files. A broken file is reported (file, line, path, expectation) and the
   * rules that were running keep running. Alarm states of rules that remain are kept.
   */
  reloadRules(): { ok: boolean; problems: string[] } {
    try {
      const r = this.runtime.load(this.ruleFiles, this.opts.env);
      this.log.info({ rules: r.rules.length, instances: r.instances.length }, 'rules reloaded');
      return { ok: true, problems: [] };
    } catch (e) {
      const problems = e instanceof ProblemsError ? e.problems.map(formatProblem) : [errorMessage(e)];
      this.log.error({ problems }, 'rule reload failed; the previous rules keep running');
      return { ok: false, problems };
    }
  }

  private setStatus(src: Source, state: ConnectionState, detail: string | undefined, log: Logger): void {
    const prev = this.sourceStatus.get(src.id);
    if (prev?.state !== state) log.info({ state, detail }, `source ${state}`);
    this.sourceStatus.set(src.id, { id: src.id, type: src.type, state, detail, since: prev?.state === state ? prev.since : this.clock.now(), counters: {} });
  }

  /** What the HTTP API reads and the commands it may send (see api-deps.ts). */
  apiDeps(): ApiDeps {
    return apiDepsOf(this);
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
      { name: 'stop API', run: async () => void (await this.api?.close(), this.processMonitor.stop()) },
      { name: 'stop ticker and watcher', run: async () => void (this.watcher?.close(), await this.ticking) },
      { name: 'stop sources', run: async () => void (await Promise.all(this.sources.map((s) => s.stop()))) },
      { name: 'flush time-series writer', run: async () => void (await this.writer?.close()) },
      { name: 'stop status polling', run: async () => void (await this.statusPoller?.stop()) },
      { name: 'stop dispatcher', run: async () => void (await this.dispatcher?.stop()) },
      { name: 'stop fleet links', run: async () => void (await this.fleet?.stop()) },
      { name: 'close targets', run: async () => void (await Promise.all([...this.targets.values()].map((t) => t.close()))) },
      { name: 'save meters', run: () => void (this.meterStore && this.runtime && this.meterStore.saveMeters(this.runtime.meters, this.clock.now())) },
      { name: 'stop WAL checkpoints', run: async () => void (await this.checkpointer?.stop()) },
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
