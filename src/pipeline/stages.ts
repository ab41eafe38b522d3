import { AlarmBook } from '../alarms/book.js';
import { AlarmStore } from '../alarms/store.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SiteConfig } from '../config/schema.js';
import { BaselineStore } from '../rules/baseline-store.js';
import type { LoadedRules } from '../rules/load.js';
import { RuleSet } from '../rules/rule-set.js';
import type { Db } from '../store/db.js';
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
  config: Pick<SiteConfig, 'gateway' | 'site' | 'areas' | 'assets'>;
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
  private readonly baselineStore: BaselineStore;
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
      asset: (id) => this.catalog.asset(id),
      onError: (key, err) => log.error({ alarm: key, err: errorMessage(err) }, 'could not build the work order of an alarm; the alarm change is kept'),
    });
    this.committer = new Committer({ db, alarms: this.alarmStore, outbox: this.outbox, targetIds: o.targetIds, clock, log: log.child({ part: 'store' }) });
    this.pipeline = new Pipeline({
      tags: this.tags,
      rules: this.rules,
      book: this.book,
      orders: this.orders,
      committer: this.committer,
      writer: o.writer,
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
    for (const b of baselines) this.baselineStore.save(b.instanceKey, b.meterId, b.value);
    // Features the rules asked for for the first time take back what an earlier run saved.
    const { restored, unfit } = this.featureStore.restore(this.tags.features);
    if (restored + unfit > 0) this.o.log.info({ restored, unfit }, 'tag features (windows, intervals) restored from the last run');
    return loaded;
  }

  /** "Since service" meters of an alarm count from now (its order completed); persisted. */
  resetBaselines(key: string): void {
    for (const b of this.rules.baselines.reset(key)) this.baselineStore.save(key, b.meterId, b.value);
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
