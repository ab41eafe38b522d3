import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../src/core/clock.js';
import { ClockStepDetector } from '../src/core/clock-steps.js';
import { errorMessage } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import type { Sample } from '../src/core/sample.js';
import { resolveFrom, type LoadedConfig } from '../src/config/load.js';
import { formatProblem, ProblemsError } from '../src/config/problems.js';
import { alarmCommands } from '../src/pipeline/commands.js';
import { orderStatusFeedback } from '../src/pipeline/feedback.js';
import { Stages } from '../src/pipeline/stages.js';
import { Catalog } from '../src/tags/catalog.js';
import { runTicker } from '../src/pipeline/ticker.js';
import { ruleFiles } from '../src/rules/load.js';
import { createSource } from '../src/sources/registry.js';
import type { ConnectionState, Source, SourceStatus } from '../src/sources/source.js';
import { WalCheckpointer } from '../src/store/checkpointer.js';
import { openStore, type Db } from '../src/store/db.js';
import { InfluxWriter } from '../src/timeseries/influx.js';
import { SpillStore } from '../src/timeseries/spill.js';
import type { TimeSeriesWriter } from '../src/timeseries/writer.js';
import { Dispatcher } from '../src/workorders/dispatcher.js';
import { OrderStatusBook, type OrderStatusListener } from '../src/workorders/status.js';
import { StatusPoller } from '../src/workorders/status-poller.js';
import type { WorkOrderTarget } from '../src/workorders/target.js';
import { createTarget } from '../src/workorders/targets/registry.js';
import { targetHealth } from '../src/workorders/targets/health.js';
import { InsightStore } from '../src/insight/store.js';
import { buildApi, type ApiDeps } from './api.js';
import { apiSettings, statusSecret } from './api-settings.js';
import { AuditStore } from './audit.js';
import type { AccessStores } from './auth.js';
import { EventBus } from './events.js';
import { SessionStore } from './sessions.js';
import { TokenStore } from './tokens.js';
import type { ScryptParams } from './passwords.js';
import { UserStore } from './users.js';
import { healthScores } from './api-insight.js';
import { FleetLinks } from './fleet.js';
import { runHealthEvents } from './health-events.js';
import { ProcessMonitor } from './process-metrics.js';
import { RuleFiles } from './rule-files.js';
import { watchRules } from './rule-watcher.js';

export interface GatewayOptions {
  clock?: Clock;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Override the API port (tests pass 0). */
  apiPort?: number;
  /**
   * The monotonic clock wall-clock steps are detected against (default `performance.now` with the
   * system clock; none with an injected clock, whose time is the test's to move).
   */
  monotonic?: () => number;
  /** Password hashing cost for users added through this gateway (tests pass cheaper ones; default OWASP's). */
  scrypt?: ScryptParams;
}

interface Step {
  name: string;
  run: () => void | Promise<void>;
}

/** The parts a started gateway runs; built by the start steps, in this order. */
interface Parts {
  db: Db;
  checkpointer: WalCheckpointer;
  orderStatus: OrderStatusBook;
  stages: Stages;
  dispatcher: Dispatcher;
  statusPoller: StatusPoller;
  view: ApiDeps;
  /** Users, API tokens, login sessions and the audit log (issue 17). */
  access: AccessStores;
  audit: AuditStore;
}

/**
 * The composition root: builds every part from the site config, wires the stages together and
 * starts them in order; stops them in reverse. It holds no logic of its own: feedback loops,
 * ticks and commits live in their stages (src/pipeline). Start-up: open store → time-series writer
 * → stages and rules → targets and dispatcher → sources → ticker and rule watcher → API.
 * Shutdown, bounded by `gateway.shutdownTimeout`: API → ticker → sources → writer flush →
 * status polling → dispatcher drain → targets → meters → store.
 */
export class Gateway {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly startedAt: number;
  private readonly loaded: LoadedConfig;
  private readonly targets = new Map<string, WorkOrderTarget>();
  private readonly sources: Source[] = [];
  private readonly sourceStatus = new Map<string, SourceStatus>();
  private readonly processMonitor = new ProcessMonitor();
  private readonly statusListeners = new Set<OrderStatusListener>();
  private readonly stopCtl = new AbortController();
  private p: Partial<Parts> = {};
  private writer: TimeSeriesWriter | undefined;
  /** Status and Sparkplug B on a central broker (fleet.ts). */
  private fleet: FleetLinks | undefined;
  private api: FastifyInstance | undefined;
  private address: string | undefined;
  private ticking: Promise<void> | undefined;
  private healthEvents: Promise<void> | undefined;
  private watcher: { close(): void } | undefined;
  private stopped = false;
  private readonly steps: ClockStepDetector | undefined;
  /**
   * Alarm, order and health changes for `GET /api/events`: fed by the pipeline's commits and the
   * CMMS status; the health model publishes `health` events on it.
   */
  readonly events = new EventBus();

  constructor(
    loaded: LoadedConfig,
    private readonly opts: GatewayOptions,
  ) {
    this.loaded = loaded;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.startedAt = this.clock.now();
    const mono = opts.monotonic ?? (opts.clock ? undefined : () => performance.now());
    this.steps = mono ? new ClockStepDetector(() => this.clock.now(), mono) : undefined;
  }

  /**
   * The one hook for work-order status from the CMMS (inbound endpoint or polling): called after
   * the status is committed, once per change. May be called before `start()`. Returns an unsubscribe.
   */
  onOrderStatus(listener: OrderStatusListener): () => void {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  }

  /** What the HTTP API reads and the commands it may send; available once started. */
  get view(): ApiDeps {
    if (!this.p.view) throw new Error('gateway not started');
    return this.p.view;
  }

  /** The API's address once it listens (`http://host:port`). */
  get apiAddress(): string | undefined {
    return this.address;
  }

  /** A source by id (tests read an embedded broker's port from it). */
  source(id: string): Source | undefined {
    return this.sources.find((s) => s.id === id);
  }

  /** A work-order target by id (its health: `targetHealth` in src/workorders/targets/health.ts). */
  target(id: string): WorkOrderTarget | undefined {
    return this.targets.get(id);
  }

  /** Samples in, as a source hands them over, committed before this returns. */
  ingest(samples: readonly Sample[]): void {
    this.stages().pipeline.ingest(samples);
  }

  /** Sends what the time-series writer buffers now. */
  async flushTimeSeries(): Promise<void> {
    await this.writer?.flush();
  }

  private stages(): Stages {
    if (!this.p.stages) throw new Error('gateway not started');
    return this.p.stages;
  }

  private get config() {
    return this.loaded.config;
  }

  private get ruleFiles(): string[] {
    return ruleFiles(this.config.rules.map((r) => resolveFrom(this.loaded.baseDir, r)));
  }

  private get dataDir(): string {
    return resolveFrom(this.loaded.baseDir, this.config.gateway.dataDir);
  }

  private startSteps(): Step[] {
    const cfg = this.config;
    const p = this.p;
    return [
      {
        name: 'open store',
        run: () => {
          p.db = openStore(resolveFrom(this.dataDir, 'gateway.db'));
          p.checkpointer = new WalCheckpointer(p.db, this.log.child({ part: 'store' }));
          p.checkpointer.start();
          p.orderStatus = new OrderStatusBook(p.db, this.clock, this.log.child({ part: 'status' }));
          p.orderStatus.onStatus((e) => {
            for (const l of this.statusListeners) l(e);
          });
          // Access (issue 17): users, tokens and sessions for the API, and the audit log.
          p.access = { users: new UserStore(p.db, this.clock, this.opts.scrypt), tokens: new TokenStore(p.db, this.clock), sessions: new SessionStore(p.db, this.clock) };
          p.audit = new AuditStore(p.db, this.clock, this.log.child({ part: 'audit' }));
          p.orderStatus.onStatus((e) => this.events.orderStatus(e));
        },
      },
      {
        name: 'start time-series writer',
        run: () => {
          if (!cfg.influx?.enabled) return;
          const spill = cfg.influx.spill.enabled ? new SpillStore(resolveFrom(this.dataDir, 'spill.db'), cfg.influx.spill.maxBytes) : undefined;
          // Site and gateway tags on every line: a fleet writing to one database never merges series.
          this.writer = new InfluxWriter(cfg.influx, { log: this.log.child({ part: 'influx' }), spill, tags: { site: cfg.site.id, gateway: cfg.gateway.id } });
        },
      },
      {
        name: 'load rules',
        run: () => {
          const fleet = cfg.status?.enabled || cfg.sparkplug?.enabled ? this.fleetLinks() : undefined;
          const stages = new Stages({
            config: cfg,
            db: p.db!,
            clock: this.clock,
            log: this.log,
            startedAt: this.startedAt,
            writer: fleet?.writer(this.writer) ?? this.writer,
            targetIds: () => [...this.targets.keys()],
            measurement: cfg.influx?.measurement ?? 'class',
            history: cfg.history.enabled ? cfg.history : undefined, // local tag history (issue 17)
            onCommitted: (changes, sends) => {
              if (sends > 0) p.dispatcher?.wake();
              fleet?.committed(changes);
              this.events.committed(changes);
            },
          });
          p.stages = stages;
          const files = this.ruleFiles;
          const r = stages.loadRules(files, this.opts.env);
          this.log.info({ files: files.length, rules: r.rules.length, instances: r.instances.length }, 'rules loaded');
          for (const w of r.warnings) this.log.warn({ where: formatProblem(w) }, 'rule warning');
          if (fleet) {
            fleet.seed(stages);
            fleet.start();
          }
          // Completion in the CMMS re-arms the rule and restarts its "since service" meters.
          p.orderStatus!.onStatus(orderStatusFeedback(stages, this.clock));
        },
      },
      {
        name: 'start dispatcher',
        run: () => {
          for (const t of cfg.workOrders.targets) this.targets.set(t.id, createTarget(t, this.clock));
          p.dispatcher = new Dispatcher({
            outbox: p.stages!.outbox,
            targets: this.targets,
            clock: this.clock,
            log: this.log.child({ part: 'dispatcher' }),
            retry: cfg.workOrders.retry,
            concurrency: cfg.workOrders.concurrency,
            checkClock: () => this.checkClock(),
          });
          p.dispatcher.start();
          p.statusPoller = new StatusPoller({
            book: p.orderStatus!,
            targets: this.targets,
            clock: this.clock,
            log: this.log.child({ part: 'status-poll' }),
            interval: cfg.workOrders.status.pollInterval,
          });
          p.statusPoller.start();
          p.view = this.buildView();
        },
      },
      {
        name: 'start sources',
        run: async () => {
          const pipeline = p.stages!.pipeline;
          for (const sc of cfg.sources) {
            if (!sc.enabled) continue;
            const src = createSource(sc);
            this.sources.push(src);
            this.sourceStatus.set(src.id, { id: src.id, type: src.type, state: 'starting', detail: undefined, since: this.clock.now(), counters: {} });
            const log = this.log.child({ source: src.id });
            await src.start({
              ingest: (samples) => pipeline.ingest(samples, true), // group commit per event-loop turn (docs: operations)
              whenDurable: (cb) => pipeline.whenDurable(cb),
              status: (state, detail) => this.setStatus(src, state, detail, log),
              clock: this.clock,
              log,
              signal: this.stopCtl.signal,
              dataDir: this.dataDir,
              tagIndex: (key) => p.stages!.catalog.tag(key)?.index,
            });
          }
        },
      },
      {
        name: 'start ticker and rule watcher',
        run: () => {
          this.ticking = runTicker(p.stages!, { clock: this.clock, log: this.log, signal: this.stopCtl.signal, checkClock: () => this.checkClock() });
          if (cfg.gateway.watchRules) this.watcher = watchRules(this.ruleFiles, cfg.rules.map((r) => resolveFrom(this.loaded.baseDir, r)), () => this.reloadRules(), this.log);
        },
      },
      {
        name: 'start API',
        run: async () => {
          if (!cfg.api.enabled) return;
          this.processMonitor.start();
          const settings = apiSettings(cfg.api, this.loaded.baseDir);
          if (settings.auth === 'users' && p.access!.users.count() === 0) {
            this.log.warn({}, 'no users yet: the API answers 401 until you add an admin with "cbm-gateway users add --config FILE --user NAME --role admin" (docs/security.md)');
          }
          this.api = buildApi(this.view, settings);
          this.address = await this.api.listen({ host: cfg.api.host, port: this.opts.apiPort ?? cfg.api.port });
          this.log.info({ url: this.address }, 'API listening');
          this.healthEvents = runHealthEvents({ clock: this.clock, log: this.log, signal: this.stopCtl.signal, bus: this.events, scores: () => healthScores(this.view) });
        },
      },
    ];
  }

  /**
   * Reloads the rule files. A broken file is reported (file, line, path, expectation) and the
   * rules that were running keep running. Alarm states of rules that remain are kept.
   */
  reloadRules(): { ok: boolean; problems: string[] } {
    try {
      const r = this.stages().loadRules(this.ruleFiles, this.opts.env);
      this.log.info({ rules: r.rules.length, instances: r.instances.length }, 'rules reloaded');
      return { ok: true, problems: [] };
    } catch (e) {
      const problems = e instanceof ProblemsError ? e.problems.map(formatProblem) : [errorMessage(e)];
      this.log.error({ problems }, 'rule reload failed; the previous rules keep running');
      return { ok: false, problems };
    }
  }

  /**
   * Checks the wall clock against the monotonic one (each tick and each dispatcher round); on a
   * step, the stages move what measures a duration with it (see Stages.clockStepped).
   */
  private checkClock(): number {
    const step = this.steps?.check() ?? 0;
    if (step === 0 || !this.p.stages) return 0;
    this.p.stages.clockStepped(step);
    this.p.dispatcher?.wake();
    return step;
  }

  /** Status birth/last will and the Sparkplug B edge node, on a central broker (docs/fleet.md). */
  private fleetLinks(): FleetLinks {
    const p = this.p;
    this.fleet = new FleetLinks({
      config: this.config,
      clock: this.clock,
      log: this.log,
      startedAt: this.startedAt,
      dataDir: this.dataDir,
      catalog: new Catalog(this.config),
      sources: () => [...this.sourceStatus.values()].map((s) => ({ id: s.id, state: s.state })),
      pending: () => p.stages?.outbox.pending() ?? { count: 0, oldestCreatedAt: undefined },
      onOrderStatus: (l) => this.onOrderStatus(l),
    });
    return this.fleet;
  }

  private setStatus(src: Source, state: ConnectionState, detail: string | undefined, log: Logger): void {
    const prev = this.sourceStatus.get(src.id);
    if (prev?.state !== state) log.info({ state, detail }, `source ${state}`);
    this.sourceStatus.set(src.id, { id: src.id, type: src.type, state, detail, since: prev?.state === state ? prev.since : this.clock.now(), counters: {} });
  }

  /** The API's narrow view: reads, and the commands it may send. */
  private buildView(): ApiDeps {
    const { stages, dispatcher, orderStatus, statusPoller, checkpointer, db } = this.p as Parts;
    return {
      gatewayId: this.config.gateway.id,
      site: this.config.site,
      clock: this.clock,
      startedAt: this.startedAt,
      catalog: stages.catalog,
      latest: stages.tags.latest,
      meters: stages.tags.meters,
      history: stages.history,
      alarms: { list: (asset) => stages.book.list(asset), events: (asset, limit) => stages.alarmStore.events(asset, limit) },
      commands: alarmCommands(stages, this.clock),
      outbox: stages.outbox,
      orderStatus,
      statusSecret: statusSecret(this.config.workOrders.status, this.loaded.baseDir),
      statusUnsigned: this.config.workOrders.status.unsigned,
      access: this.p.access!,
      audit: this.p.audit!,
      events: this.events,
      log: this.log.child({ part: 'api' }),
      wakeDispatcher: () => dispatcher.wake(),
      rules: () => stages.rules.rules,
      insight: new InsightStore(this.p.db!),
      // The rules API (issue 17): the config's rule files, their versions, the hot reload.
      loaded: this.loaded,
      ruleFiles: new RuleFiles(this.loaded, db, this.clock),
      reloadRules: () => this.reloadRules(),
      ingest: () => stages.pipeline.stats,
      dispatcher: () => dispatcher.stats,
      statusPoll: () => ({ rounds: statusPoller.rounds, updates: statusPoller.updates, errors: statusPoller.errors }),
      timeseries: () => this.writer?.stats(),
      process: () => this.processMonitor.read(),
      store: () => checkpointer.stats,
      storeHealth: () => stages.committer.stats(),
      floods: () => stages.orders.book.floods(this.clock.now()),
      targets: () => [...this.targets.values()].flatMap((t) => targetHealth(t) ?? []),
      deliveryLimits: this.config.workOrders.health,
      clockSteps: () => ({ steps: this.steps?.steps ?? 0, last: this.steps?.last }),
      ruleErrors: () => ({ failedAlarms: stages.rules.engine.failedInstances, evaluationErrors: stages.rules.engine.errors, orderErrors: stages.orders.errors }),
      sources: () =>
        [...this.sourceStatus.values()].map((s) => {
          const src = this.source(s.id);
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
    const { catalog } = this.stages();
    this.log.info({ gateway: this.config.gateway.id, assets: catalog.assets.size, tags: catalog.tags.length }, 'gateway started');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopCtl.abort();
    const p = this.p;
    const budget = this.config.gateway.shutdownTimeout;
    const steps: Step[] = [
      { name: 'stop API', run: async () => void (await this.api?.close(), await this.healthEvents, this.processMonitor.stop()) },
      { name: 'stop ticker and watcher', run: async () => void (this.watcher?.close(), await this.ticking) },
      { name: 'stop sources', run: async () => void (await Promise.all(this.sources.map((s) => s.stop()))) },
      { name: 'commit what the pipeline holds', run: () => p.stages?.pipeline.flush() },
      { name: 'write history', run: () => p.stages?.history?.close(this.clock.now()) }, // the open minutes too (issue 17)
      { name: 'flush time-series writer', run: async () => void (await this.writer?.close(budget / 4)) },
      { name: 'stop status polling', run: async () => void (await p.statusPoller?.stop()) },
      { name: 'drain dispatcher', run: async () => void (await p.dispatcher?.stop(budget / 2)) },
      // After the dispatcher, so the last order states go out before the NDEATH and the offline status.
      { name: 'stop fleet links', run: async () => void (await this.fleet?.stop()) },
      { name: 'close targets', run: async () => void (await Promise.all([...this.targets.values()].map((t) => t.close()))) },
      { name: 'save meters', run: () => p.stages?.saveMeters(this.clock.now()) },
      { name: 'save tag features', run: () => p.stages?.saveFeatures(this.clock.now(), true) }, // windows, intervals (issue 16)
      { name: 'stop WAL checkpoints', run: async () => void (await p.checkpointer?.stop()) },
      { name: 'close store', run: () => void p.db?.close() },
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
