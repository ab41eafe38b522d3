import type { AlarmBook } from '../alarms/book.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { OnceLogger, type Logger } from '../core/logger.js';
import { numericValue, type Sample } from '../core/sample.js';
import { isoTime } from '../core/timestamp.js';
import type { History } from '../history/history.js';
import type { RuleSet } from '../rules/rule-set.js';
import type { TagState } from '../tags/tag-state.js';
import type { TimeSeriesWriter } from '../timeseries/writer.js';
import type { OrderMaker } from '../workorders/orders.js';
import type { Change, Committer } from './commit.js';

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
  /** Samples whose value does not fit the tag's type (a word or a boolean on a numeric tag, NaN, Infinity). */
  wrongType: number;
  /** Samples dated outside the accepted window around the gateway's clock. */
  badTimestamp: number;
  alarmsRaised: number;
  alarmsCleared: number;
  /** New orders queued for delivery (flood orders included, held ones not). */
  workOrders: number;
  /** Updates of open orders queued (another episode of the group, an escalation, a held order). */
  orderUpdates: number;
  /** Orders the flood guard held back. */
  ordersHeld: number;
}

export interface PipelineDeps {
  tags: TagState;
  rules: RuleSet;
  book: AlarmBook;
  orders: OrderMaker;
  committer: Committer;
  writer: TimeSeriesWriter | undefined;
  /** Local tag history (issue 17): each accepted sample's value, flushed every tick. */
  history?: History | undefined;
  clock: Clock;
  log: Logger;
  /** Called after every commit with what it made durable and how many deliveries it queued (wakes the dispatcher, feeds backtests). */
  onCommitted?: (changes: readonly Change[], sends: number) => void;
  /** Influx measurement per asset: its class or its id. */
  measurement: 'class' | 'asset';
  /** Sample timestamps accepted around the gateway clock (ms); default 1 day ahead, 365 days back. */
  timestamps?: { maxAhead: number; maxBehind: number };
  /**
   * Monotonic milliseconds for the group-commit bound (default `performance.now`): processing
   * time, not the gateway clock, which a replay or a test may hold still.
   */
  monotonic?: () => number;
}

const TYPE_CODES = { any: 0, number: 1, boolean: 2, text: 3 } as const;

/** Whether a sample's value fits its tag's type (code from {@link TYPE_CODES}); text takes anything. */
function fitsType(type: number, value: Sample['value'], num: number): boolean {
  if (type === 1) return typeof value !== 'boolean' && num - num === 0; // NaN and ±Infinity fail
  if (type === 2) return typeof value === 'boolean' || num === 0 || num === 1;
  return true;
}

/** Why an alarm change asked for no order, in the words the log gives. */
function noOrderReason(t: Change['transition']): string | undefined {
  const s = t.state;
  if (t.change !== 'raised') return undefined;
  if (s.outOfService) return 'asset out of service';
  if (!Number.isNaN(s.shelvedUntil)) return `shelved until ${isoTime(s.shelvedUntil)}`;
  if (s.chattering) return 'chattering (ISA-18.2: transitions too often)';
  if (s.repeating) return 'repeating (EEMUA 191: raised too often)';
  return undefined;
}

/**
 * Runs samples through the stages, in one direction: validate each sample against its tag's
 * definition, update the tag state, hand it to the time-series writer and the rules that read it
 * (which hand their outcomes to the alarm stage); then the work-order stage makes the orders the
 * alarm transitions call for, and the committer makes both durable in one SQLite transaction.
 * Never throws on bad input.
 */
export class Pipeline {
  readonly stats: IngestStats = { received: 0, accepted: 0, bad: 0, unknownTag: 0, outOfRange: 0, wrongType: 0, badTimestamp: 0, alarmsRaised: 0, alarmsCleared: 0, workOrders: 0, orderUpdates: 0, ordersHeld: 0 };
  private readonly once: OnceLogger;
  private commitQueued = false;
  /** Monotonic time (ms) of the oldest transition the group commit holds; -1 when none. */
  private pendingSince = -1;
  /** Current group-commit hold (ms): the previous commit's duration, within {@link GROUP_HOLD_MS}. */
  private holdMs: number = GROUP_HOLD_MS.min;
  private durableWaiters: (() => void)[] = [];
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
  /** Each tag's type as a code: 0 any, 1 number, 2 boolean, 3 text. */
  private readonly type: Uint8Array;
  private readonly monotonic: () => number;
  /**
   * Accepted sample times, from the gateway clock at the last refresh (each tick, and before a
   * sample is refused): reading the clock per sample would cost ~90 ns each (a tenth of the
   * budget at 1,000,000 samples/s), and a window of days does not need it.
   */
  private minTs = -Infinity;
  private maxTs = Infinity;
  private readonly window: { maxAhead: number; maxBehind: number };

  constructor(private readonly d: PipelineDeps) {
    this.once = new OnceLogger(d.log);
    this.monotonic = d.monotonic ?? (() => performance.now());
    const { catalog } = d.tags;
    this.measurements = catalog.tags.map((t) => {
      const a = catalog.asset(t.assetId)!;
      return d.measurement === 'asset' ? a.id : a.class ?? 'asset';
    });
    this.tagIds = catalog.tags.map((t) => t.id);
    this.assetIds = catalog.tags.map((t) => t.assetId);
    this.min = Float64Array.from(catalog.tags, (t) => t.min ?? -Infinity);
    this.max = Float64Array.from(catalog.tags, (t) => t.max ?? Infinity);
    this.type = Uint8Array.from(catalog.tags, (t) => TYPE_CODES[t.type]);
    this.window = d.timestamps ?? { maxAhead: 86_400_000, maxBehind: 365 * 86_400_000 };
    this.refreshWindow();
  }

  private refreshWindow(): void {
    const now = this.d.clock.now();
    this.minTs = now - this.window.maxBehind;
    this.maxTs = now + this.window.maxAhead;
  }

  /** Whether `ts` lies in the accepted window (NaN does not); re-reads the clock before refusing. */
  private timely(ts: number): boolean {
    if (ts >= this.minTs && ts <= this.maxTs) return true;
    this.refreshWindow();
    return ts >= this.minTs && ts <= this.maxTs;
  }

  /**
   * Takes a batch of samples from a source. Safe to call with anything; bad samples are counted.
   * `groupCommit`: commit what this batch changed at the end of the event-loop turn, together
   * with every other batch handled in that turn (sources that hand over one message at a time:
   * an alarm storm then shares one fsync instead of one per message). Without it the commit
   * happens before `ingest` returns.
   */
  ingest(samples: readonly Sample[], groupCommit = false): void {
    const { tags, rules, writer, history } = this.d;
    const { catalog, latest } = tags;
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
      if (!(s.ts >= this.minTs && s.ts <= this.maxTs) && !this.timely(s.ts)) {
        this.stats.badTimestamp++;
        this.stats.bad++;
        this.once.warn(`ts:${s.tag}`, { tag: s.tag, ts: s.ts, maxAheadMs: this.window.maxAhead, maxBehindMs: this.window.maxBehind }, 'sample timestamp outside the accepted window around the gateway clock (a timestamp in the wrong unit?); kept from the rules');
        // Shown as the tag's latest sample, Bad, with the gateway's time: its own cannot be trusted.
        latest.set(idx, s.value, num, this.d.clock.now(), 'Bad', 'timestamp_out_of_window');
        continue;
      }
      if (quality !== 'Bad' && this.type[idx] !== 0 && !fitsType(this.type[idx]!, s.value, num)) {
        quality = 'Bad';
        reason = this.type[idx] === 2 ? 'not_a_boolean' : 'not_a_number';
        this.stats.wrongType++;
        this.once.warn(`type:${s.tag}`, { tag: s.tag, value: s.value, type: catalog.tags[idx]!.type }, 'sample value does not fit the tag type; marked Bad and kept from the rules');
      } else if (quality !== 'Bad' && (num < this.min[idx]! || num > this.max[idx]!)) {
        quality = 'Bad';
        reason = 'out_of_range';
        this.stats.outOfRange++;
        const info = catalog.tags[idx]!;
        this.once.warn(`range:${s.tag}`, { tag: s.tag, value: s.value, min: info.min, max: info.max }, 'sample outside the tag range; marked Bad and kept from the rules');
      }
      latest.set(idx, s.value, num, s.ts, quality, reason);
      if (quality === 'Bad') {
        this.stats.bad++;
        tags.bad(idx, s.ts); // counted in its windows: a window of mostly Bad data reads as unknown
        continue;
      }
      this.stats.accepted++;
      if (writer) writer.write(quality === s.quality ? s : { ...s, quality }, this.measurements[idx]!, this.assetIds[idx]!, this.tagIds[idx]!);
      // A word on an untyped tag is shown, but there is nothing for windows and rules to compare.
      if (num !== num) continue;
      if (history) history.add(idx, s.ts, num); // local history (issue 17): typed arrays only
      tags.update(idx, s.ts, num);
      rules.evaluate(idx, s.ts);
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
    for (const cb of waiting) this.d.committer.whenSaved(cb);
  }

  /**
   * Calls `cb` once everything ingested so far is committed: at once when nothing waits for a
   * group commit or for the store, else right after it. The embedded broker acknowledges QoS 1
   * publishes through this, so an acknowledged sample's alarm and work order are already on disk.
   */
  whenDurable(cb: () => void): void {
    if (this.commitQueued) this.durableWaiters.push(cb);
    else this.d.committer.whenSaved(cb);
  }

  /** Time moves on: timed rules, delays, shelve expiry; commits what changed. */
  tick(now: number): void {
    this.refreshWindow();
    this.d.rules.tick(now);
    this.d.history?.flush(now); // local history (issue 17): closed minutes to SQLite
    this.flush();
  }

  /** {@link tick} in steps: the caller lets the event loop run between them (the live tick loop). */
  *tickSteps(now: number): Generator<void, void, void> {
    this.refreshWindow();
    yield* this.d.rules.tickSteps(now);
    this.d.history?.flush(now); // local history (issue 17): closed minutes to SQLite
    this.flush();
  }

  /** Commits queued alarm transitions (after operator commands, ticks), and retries held ones. */
  flush(): void {
    if (this.d.book.hasPending() || this.d.committer.holding) this.commit();
  }

  /** Counts and logs one committed change: what the alarm did and what it did to orders, or why nothing. */
  private report({ transition: t, actions }: Change): void {
    if (t.change === 'raised') this.stats.alarmsRaised++;
    else if (t.change === 'cleared') this.stats.alarmsCleared++;
    const fields: Record<string, unknown> = { rule: t.ruleId, asset: t.assetId, episode: t.state.episode, change: t.change, by: t.by };
    for (const a of actions) {
      if (a.kind === 'create') {
        this.stats.workOrders++;
        fields[a.orderKind === 'flood' ? 'floodOrder' : 'order'] = a.order.idempotencyKey;
      } else if (a.kind === 'update') {
        this.stats.orderUpdates++;
        fields.updates = a.update.id;
        if (a.update.escalated) fields.escalatedTo = a.update.priority;
      } else {
        this.stats.ordersHeld++;
        fields.heldBy = a.floodOrderId;
      }
    }
    const why = noOrderReason(t);
    if (why) fields.noOrder = why;
    // The message stays `alarm <change>` (log consumers key on it); what it did to orders is in the fields.
    if (t.change === 'chattering' || t.change === 'repeating') this.d.log.warn(fields, `alarm is ${t.change}: its raises make no work order until it settles`);
    else if (actions.some((a) => a.kind === 'held')) this.d.log.warn(fields, `alarm ${t.change}`);
    else this.d.log.info(fields, `alarm ${t.change}`);
  }

  private commit(): void {
    const transitions = this.d.book.drain();
    const now = this.d.clock.now();
    const actions = this.d.orders.make(transitions, now);
    const t0 = this.monotonic();
    const { saved, sends } = this.d.committer.commit(transitions.map((t, i) => ({ transition: t, actions: actions[i]! })));
    if (saved.length === 0) return;
    this.holdMs = Math.min(GROUP_HOLD_MS.max, Math.max(GROUP_HOLD_MS.min, this.monotonic() - t0));
    for (const c of saved) this.report(c);
    try {
      this.d.onCommitted?.(saved, sends);
    } catch (e) {
      this.d.log.error({ err: errorMessage(e) }, 'a listener of committed alarm changes failed');
    }
  }
}
