import { AlarmBook } from '../alarms/book.js';
import type { Clock } from '../core/clock.js';
import { CbmError } from '../core/errors.js';
import type { Catalog } from '../tags/catalog.js';
import { Features } from '../tags/features.js';
import type { LatestValues } from '../tags/latest.js';
import { Meters } from '../tags/meters.js';
import { buildWorkOrder } from '../workorders/model.js';
import { Baselines } from './baselines.js';
import { RuleEngine } from './engine.js';
import { siteFacts, type FactResolver } from './facts.js';
import { loadRules, type LoadedRules, type RuleInstance } from './load.js';

export interface RuntimeDeps {
  catalog: Catalog;
  latest: LatestValues;
  clock: Clock;
  gatewayId: string;
  site: { id: string; name: string };
  /** Gateway start (staleness counts from here for sensors never heard from). */
  startedAt: number;
}

/**
 * Everything between a good sample and an alarm transition: derived features (windows, EWMA,
 * CUSUM), usage meters, the compiled rules indexed by tag, and the alarm book. The pipeline feeds
 * it samples and ticks; the API sends it operator commands; transitions wait in the book until
 * the pipeline commits them with their work orders.
 */
export class RuleRuntime {
  readonly features: Features;
  readonly meters: Meters;
  readonly baselines = new Baselines();
  readonly book: AlarmBook;
  readonly engine: RuleEngine;
  readonly facts: FactResolver;
  rules: LoadedRules = { instances: [], rules: [], warnings: [] };

  constructor(private readonly d: RuntimeDeps) {
    this.features = new Features(d.catalog.tags.length);
    this.meters = new Meters(d.catalog.meters, d.catalog.tags.length);
    this.book = new AlarmBook((inst, episode, ts) =>
      buildWorkOrder(inst, episode, ts, { gatewayId: d.gatewayId, site: d.site, now: d.clock.now(), tagValue: (i) => d.latest.num[i]! }),
    );
    this.engine = new RuleEngine(d.catalog.tags.length, this.book, d.latest.num);
    this.facts = siteFacts({ catalog: d.catalog, latest: d.latest, features: this.features, meters: this.meters, baselines: this.baselines, startedAt: () => d.startedAt });
  }

  /** Compiles rule files and installs them; on any problem throws and keeps the rules it had. */
  load(files: readonly string[], env?: NodeJS.ProcessEnv): LoadedRules {
    const loaded = loadRules(files, this.d.catalog, this.facts, env);
    this.rules = loaded;
    this.engine.load(loaded.instances);
    this.baselines.initialise();
    return loaded;
  }

  /** A good sample: update features and meters, then the rules that read the tag. */
  onSample(tag: number, ts: number, v: number): void {
    this.features.now = ts;
    this.features.update(tag, ts, v);
    this.meters.update(tag, ts, v);
    this.engine.evaluate(tag, ts);
  }

  tick(now: number): void {
    this.features.now = now;
    this.engine.tick(now);
  }

  /** {@link tick} in steps, for a caller that lets samples in between (they move `features.now`). */
  *tickSteps(now: number): Generator<void, void, void> {
    this.features.now = now;
    for (const _ of this.engine.tickSteps(now)) {
      yield;
      this.features.now = now;
    }
  }

  private inst(ruleId: string, assetId: string): RuleInstance {
    const inst = this.engine.instance(`${ruleId}@${assetId}`);
    if (!inst) throw new CbmError('CBM_ERR_NOT_FOUND', `no rule "${ruleId}" on asset "${assetId}"`);
    return inst;
  }

  acknowledge(ruleId: string, assetId: string, by: string): boolean {
    return this.book.acknowledge(this.inst(ruleId, assetId), this.d.clock.now(), by);
  }

  shelve(ruleId: string, assetId: string, durationMs: number, by: string): number {
    return this.book.shelve(this.inst(ruleId, assetId), this.d.clock.now(), durationMs, by);
  }

  unshelve(ruleId: string, assetId: string, by: string): void {
    this.book.unshelve(this.inst(ruleId, assetId), this.d.clock.now(), by);
  }

  /** Asset in maintenance: all its alarms out of service (no orders), and back. */
  setOutOfService(assetId: string, oos: boolean, by: string): number {
    if (!this.d.catalog.asset(assetId)) throw new CbmError('CBM_ERR_NOT_FOUND', `no asset "${assetId}"`);
    const insts = this.engine.instances().filter((i) => i.asset.id === assetId);
    for (const i of insts) this.book.setOutOfService(i, this.d.clock.now(), oos, by);
    return insts.length;
  }

  /**
   * The CMMS completed (or cancelled) a work order of this rule on this asset: the rule may order
   * again, and "since service" meters count from now. Returns the baselines reset.
   */
  orderClosed(ruleId: string, assetId: string, completed: boolean, by: string): { meterId: string; value: number }[] {
    const inst = this.engine.instance(`${ruleId}@${assetId}`);
    if (!inst) return [];
    this.book.rearm(inst, this.d.clock.now(), by);
    const reset = completed ? this.baselines.reset(inst.key) : [];
    // Re-evaluate now so a PM alarm whose meter restarted clears without waiting for a sample.
    this.features.now = this.d.clock.now();
    for (const t of inst.compiled.tags) this.engine.evaluate(t, this.d.clock.now());
    return reset;
  }
}
