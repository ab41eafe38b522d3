import type { AlarmBook, AlarmTransition } from '../alarms/book.js';
import type { AlarmStore } from '../alarms/store.js';
import type { Clock } from '../core/clock.js';
import { OnceLogger, type Logger } from '../core/logger.js';
import { numericValue, type Sample } from '../core/sample.js';
import type { Db } from '../store/db.js';
import type { Catalog } from '../tags/catalog.js';
import type { LatestValues } from '../tags/latest.js';
import type { TimeSeriesWriter } from '../timeseries/writer.js';
import type { Outbox } from '../workorders/outbox.js';

/**
 * How long a group commit holds an alarm transition (ms) while one event-loop turn goes on
 * ingesting (a turn that works through a backlog of socket reads can take tens of ms): as long
 * as the previous commit took, within these bounds. A calm commit (one order, 0.3-0.8 ms with
 * its fsync here) then adds well under a millisecond to a sample's way to the outbox, while in a
 * storm, where commits carry hundreds of rows and take longer, they still fill at most about half
 * of a long turn.
 */
export const GROUP_HOLD_MS = { min: 0.5, max: 2 } as const;

export interface IngestStats {
  received: number;
  accepted: number;
  bad: number;
  unknownTag: number;
  outOfRange: number;
  alarmsRaised: number;
  alarmsCleared: number;
  workOrders: number;
}

export interface PipelineDeps {
  catalog: Catalog;
  latest: LatestValues;
  /** The rule stage: features, meters and rules for a good sample. */
  rules: { onSample(tag: number, ts: number, v: number): void; tick(now: number): void; tickSteps?(now: number): Iterable<void> };
  book: AlarmBook;
  db: Db;
  alarms: AlarmStore;
  outbox: Outbox;
  targetIds: () => readonly string[];
  writer: TimeSeriesWriter | undefined;
  clock: Clock;
  log: Logger;
  /** Called after a commit that enqueued work orders (wakes the dispatcher). */
  onOrders?: (n: number) => void;
  /** Called after every commit with the transitions it made durable (backtests, tests). */
  onCommitted?: (transitions: readonly AlarmTransition[]) => void;
  /** Influx measurement per asset: its class or its id. */
  measurement: 'class' | 'asset';
  /**
   * Monotonic milliseconds for the group-commit bound (default `performance.now`): processing
   * time, not the gateway clock, which a replay or a test may hold still.
   */
  monotonic?: () => number;
}

/**
 * Ingest: validate each sample against its tag's definition, update the latest values, run the
 * rules that read it, hand it to the time-series writer, and commit whatever alarms changed
 * (with their work orders) in one SQLite transaction per batch. Never throws on bad input.
 */
export class Pipeline {
  readonly stats: IngestStats = { received: 0, accepted: 0, bad: 0, unknownTag: 0, outOfRange: 0, alarmsRaised: 0, alarmsCleared: 0, workOrders: 0 };
  private readonly once: OnceLogger;
  private commitQueued = false;
  /** Monotonic time (ms) of the oldest transition the group commit holds; -1 when none. */
  private pendingSince = -1;
  /** Current group-commit hold (ms): the previous commit's duration, within {@link GROUP_HOLD_MS}. */
  private holdMs: number = GROUP_HOLD_MS.min;
  private durableWaiters: (() => void)[] = [];
  private readonly commitTx: (ts: AlarmTransition[]) => number;
  private readonly measurements: string[];
  private readonly tagIds: string[];
  private readonly assetIds: string[];
  /**
   * Each tag's range (±Infinity where it has none), by tag index: the check per sample reads two
   * numbers from flat arrays instead of the tag's definition object (a pointer chase into
   * 10,000 objects spread over the heap).
   */
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly monotonic: () => number;

  constructor(private readonly d: PipelineDeps) {
    this.once = new OnceLogger(d.log);
    this.monotonic = d.monotonic ?? (() => performance.now());
    this.measurements = d.catalog.tags.map((t) => {
      const a = d.catalog.asset(t.assetId)!;
      return d.measurement === 'asset' ? a.id : a.class ?? 'asset';
    });
    this.tagIds = d.catalog.tags.map((t) => t.id);
    this.assetIds = d.catalog.tags.map((t) => t.assetId);
    this.min = Float64Array.from(d.catalog.tags, (t) => t.min ?? -Infinity);
    this.max = Float64Array.from(d.catalog.tags, (t) => t.max ?? Infinity);
    this.commitTx = d.db.transaction((transitions: AlarmTransition[]) => {
      const now = d.clock.now();
      const targets = d.targetIds();
      let orders = 0;
      for (const t of transitions) {
        d.alarms.save(t.inst.rule.id, t.inst.asset.id, t.state, t.change, t.inst.rule.priority, t.ts, now);
        if (t.order && d.outbox.enqueue(t.order, targets, now)) orders++;
      }
      return orders;
    });
  }

  /**
   * Takes a batch of samples from a source. Safe to call with anything; bad samples are counted.
   * `groupCommit`: commit what this batch changed at the end of the event-loop turn, together
   * with every other batch handled in that turn (sources that hand over one message at a time:
   * an alarm storm then shares one fsync instead of one per message). Without it the commit
   * happens before `ingest` returns.
   */
  ingest(samples: readonly Sample[], groupCommit = false): void {
    const { catalog, latest, rules, writer } = this.d;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      this.stats.received++;
      // A source that resolved the tag already (MQTT, once per topic) saves the lookup by key.
      const idx = s.index ?? catalog.tag(s.tag)?.index;
      if (idx === undefined) {
        this.stats.unknownTag++;
        this.once.warn(`unknown:${s.tag}`, { tag: s.tag }, 'sample for a tag the site config does not define; dropped');
        continue;
      }
      let quality = s.quality;
      let reason = s.reason;
      const num = numericValue(s.value);
      if (quality !== 'Bad' && (num < this.min[idx]! || num > this.max[idx]!)) {
        quality = 'Bad';
        reason = 'out_of_range';
        this.stats.outOfRange++;
        const info = catalog.tags[idx]!;
        this.once.warn(`range:${s.tag}`, { tag: s.tag, value: s.value, min: info.min, max: info.max }, 'sample outside the tag range; marked Bad and kept from the rules');
      }
      latest.set(idx, s.value, num, s.ts, quality, reason);
      if (quality === 'Bad') {
        this.stats.bad++;
        continue;
      }
      this.stats.accepted++;
      if (writer) writer.write(quality === s.quality ? s : { ...s, quality }, this.measurements[idx]!, this.assetIds[idx]!, this.tagIds[idx]!);
      rules.onSample(idx, s.ts, num);
    }
    if (!this.d.book.hasPending()) return;
    if (!groupCommit) return this.commit();
    // Group commit: at the end of the event-loop turn, or, when the turn runs long (a backlog of
    // socket reads can take tens of ms), at the first ingest `holdMs` after the oldest
    // transition the group holds.
    const now = this.monotonic();
    if (this.pendingSince < 0) this.pendingSince = now;
    else if (now - this.pendingSince >= this.holdMs) this.commitGroup();
    if (!this.commitQueued) {
      this.commitQueued = true;
      setImmediate(() => {
        this.commitQueued = false;
        this.commitGroup();
      });
    }
  }

  /** Commits what the group holds and calls back whoever waits for it to be durable. */
  private commitGroup(): void {
    this.pendingSince = -1;
    this.flush();
    const waiting = this.durableWaiters;
    this.durableWaiters = [];
    for (const cb of waiting) cb();
  }

  /**
   * Calls `cb` once everything ingested so far is committed: at once when nothing waits for a
   * group commit, else right after it. The embedded broker acknowledges QoS 1 publishes through
   * this, so an acknowledged sample's alarm and work order are already on disk.
   */
  whenDurable(cb: () => void): void {
    if (this.commitQueued) this.durableWaiters.push(cb);
    else cb();
  }

  /** Time moves on: timed rules, delays, shelve expiry; commits what changed. */
  tick(now: number): void {
    this.d.rules.tick(now);
    this.flush();
  }

  /** {@link tick} in steps: the caller lets the event loop run between them (the live tick loop). */
  *tickSteps(now: number): Generator<void, void, void> {
    if (this.d.rules.tickSteps) yield* this.d.rules.tickSteps(now);
    else this.d.rules.tick(now);
    this.flush();
  }

  /** Commits queued alarm transitions (after operator commands, ticks). */
  flush(): void {
    if (this.d.book.hasPending()) this.commit();
  }

  private commit(): void {
    const transitions = this.d.book.drain();
    let orders: number;
    const t0 = this.monotonic();
    try {
      orders = this.commitTx(transitions);
      this.holdMs = Math.min(GROUP_HOLD_MS.max, Math.max(GROUP_HOLD_MS.min, this.monotonic() - t0));
    } catch (e) {
      // The store failing is the one thing we cannot absorb; say so loudly, keep ingesting.
      this.d.log.error({ err: (e as Error).message, transitions: transitions.length }, 'could not commit alarm transitions');
      return;
    }
    for (const t of transitions) {
      if (t.change === 'raised') this.stats.alarmsRaised++;
      else if (t.change === 'cleared') this.stats.alarmsCleared++;
      const fields = { rule: t.inst.rule.id, asset: t.inst.asset.id, episode: t.state.episode, change: t.change, order: t.order?.idempotencyKey, by: t.by };
      if (t.change === 'chattering') this.d.log.warn(fields, 'alarm is chattering: work orders held back until it settles');
      else this.d.log.info(fields, `alarm ${t.change}`);
    }
    this.stats.workOrders += orders;
    this.d.onCommitted?.(transitions);
    if (orders > 0) this.d.onOrders?.(orders);
  }
}
