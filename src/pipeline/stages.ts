import { AlarmBook } from '../alarms/book.js';
import { AlarmStore } from '../alarms/store.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { HistoryConfig, SiteConfig } from '../config/schema.js';
import { History } from '../history/history.js'; // local tag history (issue 17)
import { BaselineStore } from '../rules/baseline-store.js';
import type { LoadedRules } from '../rules/load.js';
import { RuleSet } from '../rules/rule-set.js';
import type { Db } from '../store/db.js';
import { installId } from '../store/meta.js';
import { Catalog } from '../tags/catalog.js';
import { FeatureStore } from '../tags/feature-store.js';
import { MeterStore } from '../tags/meter-store.js';
import { TagState } from '../tags/tag-state.js';
import type { TimeSeriesWriter } from '../timeseries/writer.js';
import { OrderMaker } from '../workorders/orders.js';
import { Outbox } from '../workorders/outbox.js';
import { Committer, type Change } from './commit.js';
import { Pipeline } from './pipeline.js';

export interface StagesOptions {
  config: Pick<SiteConfig, 'gateway' | 'site' | 'areas' | 'assets' | 'workOrders'>;
  db: Db;
  clock: Clock;
  log: Logger;
  /** Gateway start: staleness counts from here for sensors never heard from. */
  startedAt: number;
  writer?: TimeSeriesWriter | undefined;
  /** The work-order targets each new order is queued for. */
  targetIds: () => readonly string[];
  measurement?: 'class' | 'asset';
  onCommitted?: (changes: readonly Change[], orders: number) => void;
  monotonic?: () => number;
  /** Local tag history retention (docs/history.md); none: no history (backtests). */
  history?: Pick<HistoryConfig, 'minutes' | 'hours'> | undefined;
}

/**
 * The stages of one gateway, built in flow order from the site config and the store: tag state
 * → rules → alarms → work orders → commit, and the pipeline that runs samples through them.
 * State saved by an earlier run (alarms, meters, "since service" baselines) is restored here,
 * before the first rule load.
 */
export class Stages {
  readonly catalog: Catalog;
  readonly tags: TagState;
  readonly rules: RuleSet;
  readonly book = new AlarmBook();
  readonly orders: OrderMaker;
  readonly alarmStore: AlarmStore;
  readonly outbox: Outbox;
  readonly committer: Committer;
  readonly pipeline: Pipeline;
  readonly meterStore: MeterStore;
  /** Local tag history (issue 17): a sink beside the rules, fed by the pipeline. */
  readonly history: History | undefined;
  private readonly baselineStore: BaselineStore;
  private ordersRestored = false;
  /** Window, EWMA/CUSUM and reporting-interval state across restarts (issue 16). */
  private readonly featureStore: FeatureStore;

  constructor(private readonly o: StagesOptions) {
    const { config, db, clock, log } = o;
    this.catalog = new Catalog(config);
    this.tags = new TagState(this.catalog);
    this.alarmStore = new AlarmStore(db);
    this.outbox = new Outbox(db);
    this.meterStore = new MeterStore(db);
    this.baselineStore = new BaselineStore(db);
    this.featureStore = new FeatureStore(db, (t) => this.catalog.tags[t]!.key);
    for (const a of this.alarmStore.loadAll()) this.book.restore(a.key, a.state);
    this.meterStore.restore(this.tags.meters);
    const ruleLog = log.child({ part: 'rules' });
    this.rules = new RuleSet({
      tags: this.tags,
      sink: this.book,
      startedAt: o.startedAt,
      onError: (key, err) => ruleLog.error({ alarm: key, err: errorMessage(err) }, 'rule evaluation failed for this alarm (reported once until the rules reload; later failures are counted); the other alarms go on'),
    });
    this.baselineStore.restore(this.rules.baselines);
    this.orders = new OrderMaker({
      gatewayId: config.gateway.id,
      site: config.site,
      installId: installId(db),
      asset: (id) => this.catalog.asset(id),
      consolidation: config.workOrders.consolidation,
      flood: config.workOrders.flood,
      onError: (key, err) => log.error({ alarm: key, err: errorMessage(err) }, 'could not build the work order of an alarm; the alarm change is kept'),
    });
    this.history = o.history ? new History(db, this.catalog.tags, { ...o.history, log: log.child({ part: 'history' }) }) : undefined;
    this.committer = new Committer({ db, alarms: this.alarmStore, outbox: this.outbox, targetIds: o.targetIds, clock, log: log.child({ part: 'store' }) });
    this.pipeline = new Pipeline({
      tags: this.tags,
      rules: this.rules,
      book: this.book,
      orders: this.orders,
      committer: this.committer,
      writer: o.writer,
      history: this.history,
      clock,
      log: log.child({ part: 'ingest' }),
      measurement: o.measurement ?? 'class',
      timestamps: config.gateway.timestamps,
      ...(o.onCommitted ? { onCommitted: o.onCommitted } : {}),
      ...(o.monotonic ? { monotonic: o.monotonic } : {}),
    });
  }

  /**
   * Compiles and installs rule files (all problems at once in a thrown ProblemsError, and the
   * rules that ran keep running); alarms of rules that remain keep their state.
   */
  loadRules(files: readonly string[], env?: NodeJS.ProcessEnv): LoadedRules {
    const { loaded, baselines } = this.rules.load(files, env);
    this.orders.setRules(loaded.rules.map((r) => r.rule));
    if (!this.ordersRestored) {
      this.ordersRestored = true;
      const s = this.outbox.openOrders(this.o.clock.now() - this.o.config.workOrders.flood.window);
      this.orders.restore(s.open, s.recent, s.floods);
    }
    for (const b of baselines) this.baselineStore.save(b.instanceKey, b.meterId, b.value);
    // Features the rules asked for for the first time take back what an earlier run saved.
    const { restored, unfit } = this.featureStore.restore(this.tags.features);
    if (restored + unfit > 0) this.o.log.info({ restored, unfit }, 'tag features (windows, intervals) restored from the last run');
    return loaded;
  }

  /** The CMMS reported a status for an order: a closed one frees its group; see {@link OrderMaker}. */
  orderStatus(orderId: string, status: string): void {
    this.orders.statusChanged(orderId, status);
  }

  /** "Since service" meters of an alarm count from now (its order completed); persisted. */
  resetBaselines(key: string): void {
    for (const b of this.rules.baselines.reset(key)) this.baselineStore.save(key, b.meterId, b.value);
  }

  /**
   * The wall clock stepped by `ms` (see ClockStepDetector): what measures a duration moves with it
   * (alarm delays, shelves, chattering and repeating windows; pending deliveries' backoff and
   * dead-letter ages; renotify, update spacing and the flood window), so the step neither blinds
   * an alarm nor dead-letters an order. Sample timestamps and history keep their own times.
   */
  clockStepped(ms: number): void {
    const now = this.o.clock.now();
    this.book.shiftTimes(ms, now);
    this.orders.book.shiftTimes(ms, now);
    const moved = this.outbox.shiftPending(ms, now);
    this.o.log.warn({ stepMs: ms, pendingDeliveriesMoved: moved }, 'the wall clock stepped; alarm delays, delivery backoff and dead-letter ages moved with it');
  }

  saveMeters(now: number): void {
    this.meterStore.save(this.tags.meters, now);
  }

  /**
   * Saves tag features (windows, EWMA/CUSUM, learned reporting intervals) that changed and are due;
   * `all` at shutdown: every one that changed. Cheap to call often (the ticker: once a minute).
   */
  saveFeatures(now: number, all = false): void {
    this.featureStore.save(this.tags.features, now, all);
  }
}
