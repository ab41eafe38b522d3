import type { TagState } from '../tags/tag-state.js';
import { Baselines } from './baselines.js';
import { RuleEngine } from './engine.js';
import { siteFacts, type FactResolver } from './facts.js';
import type { RuleHitSink } from './hits.js';
import { loadRules, type LoadedRules, type RuleInstance } from './load.js';

export interface RuleSetDeps {
  tags: TagState;
  /** The alarm stage, which takes every evaluation's outcome. */
  sink: RuleHitSink;
  /** Gateway start (staleness counts from here for sensors never heard from). */
  startedAt: number;
  /** An instance whose evaluation threw (reported once per instance and load). */
  onError?: (key: string, err: unknown) => void;
}

/**
 * The rule stage: the site's rules compiled for every asset they apply to, the facts they read
 * (tags, windows, meters, "since service" baselines) and the engine that evaluates them, indexed
 * by tag, handing each outcome to the alarm stage.
 */
export class RuleSet {
  readonly baselines = new Baselines();
  readonly engine: RuleEngine;
  readonly facts: FactResolver;
  private loaded: LoadedRules = { instances: [], rules: [], warnings: [] };

  constructor(private readonly d: RuleSetDeps) {
    const { catalog, latest, features, meters } = d.tags;
    this.engine = new RuleEngine(catalog.tags.length, latest.num, d.onError);
    this.facts = siteFacts({ catalog, latest, features, meters, baselines: this.baselines, startedAt: () => d.startedAt });
  }

  /** The rules running now. */
  get rules(): LoadedRules {
    return this.loaded;
  }

  /**
   * Compiles rule files and installs them; on any problem throws (every problem at once) and keeps
   * the rules it had. Returns the baselines it started counting (for persistence).
   */
  load(files: readonly string[], env?: NodeJS.ProcessEnv): { loaded: LoadedRules; baselines: { instanceKey: string; meterId: string; value: number }[] } {
    const loaded = loadRules(files, this.d.tags.catalog, this.facts, env);
    this.loaded = loaded;
    this.engine.load(loaded.instances, this.d.sink);
    return { loaded, baselines: this.baselines.initialise() };
  }

  instance(key: string): RuleInstance | undefined {
    return this.engine.instance(key);
  }

  /** A good sample of `tag` at `ts`: the rules that read it. */
  evaluate(tag: number, ts: number): void {
    this.d.tags.features.now = ts;
    this.engine.evaluate(tag, ts);
  }

  /** Re-evaluates one instance now (after its alarm re-armed, say: a PM meter that restarted clears at once). */
  reevaluate(key: string, now: number): void {
    const inst = this.engine.instance(key);
    if (!inst) return;
    this.d.tags.features.now = now;
    for (const t of inst.compiled.tags) this.engine.evaluate(t, now);
  }

  tick(now: number): void {
    this.d.tags.features.now = now;
    this.engine.tick(now);
  }

  /** {@link tick} in steps, for a caller that lets samples in between (they move `features.now`). */
  *tickSteps(now: number): Generator<void, void, void> {
    const f = this.d.tags.features;
    f.now = now;
    for (const _ of this.engine.tickSteps(now)) {
      yield;
      f.now = now;
    }
  }
}
