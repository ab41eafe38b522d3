import { setAfterStep } from '../core/clock-steps.js';
import { CbmError } from '../core/errors.js';
import type { Priority } from '../core/priority.js';
import type { Evidence } from '../rules/evidence.js';
import { ALARM, type RuleHitSink, type RuleSubject } from '../rules/hits.js';
import type { RuleConfig } from '../rules/schema.js';
import * as L from './lifecycle.js';
import type { AlarmChange, AlarmPolicy, AlarmState, Emitted } from './lifecycle.js';

/**
 * A change of one alarm, handed to the stage that persists it and makes its work order: plain
 * values (ids, priority, the state after the change, the evidence captured when the episode raised).
 */
export interface AlarmTransition {
  /** `<ruleId>@<assetId>`. */
  key: string;
  ruleId: string;
  assetId: string;
  priority: Priority;
  change: AlarmChange;
  /** A copy of the alarm's state right after the change. */
  state: AlarmState;
  ts: number;
  /**
   * This change asks for the episode's work order: a raise, or a shelve / out-of-service ending
   * on an active alarm whose episode has not asked yet. The work-order stage decides whether it
   * makes a new order or updates the one open for the rule's group.
   */
  order: boolean;
  /** What the rule saw when the current episode raised (undefined before any raise). */
  evidence: Evidence | undefined;
  /** Who did it, for operator commands. */
  by: string | undefined;
}

/** An alarm as the API lists it. */
export interface AlarmView {
  key: string;
  ruleId: string;
  ruleName: string;
  assetId: string;
  priority: Priority;
  state: AlarmState;
}

export function policyOf(rule: RuleConfig): AlarmPolicy {
  return {
    onDelay: rule.onDelay,
    offDelay: rule.offDelay,
    chatterCount: rule.chatter.count,
    chatterWindow: rule.chatter.window,
    repeatPerHour: rule.repeating.perHour,
    repeatPerDay: rule.repeating.perDay,
  };
}

interface Slot {
  key: string;
  rule: RuleConfig;
  assetId: string;
  policy: AlarmPolicy;
  state: AlarmState;
}

function bitsOf(s: AlarmState): number {
  return (
    (s.active ? ALARM.ACTIVE : 0) |
    (!Number.isNaN(s.pendingSince) || !Number.isNaN(s.clearingSince) ? ALARM.WAITING : 0) |
    (!Number.isNaN(s.shelvedUntil) || s.chattering || s.repeating ? ALARM.EXPIRES : 0)
  );
}

const copy = (s: AlarmState): AlarmState => ({ ...s, recent: [...s.recent] });

/**
 * Every alarm's state, one per rule instance (rule + asset), keyed so a rule reload keeps the
 * state of rules that still exist. It takes the rule stage's outcomes ({@link RuleHitSink}) and
 * operator commands, runs the ISA-18.2 lifecycle, and queues the transitions until the pipeline
 * commits them with their work orders.
 */
export class AlarmBook implements RuleHitSink {
  private readonly states = new Map<string, AlarmState>();
  private slots: Slot[] = [];
  private readonly byKey = new Map<string, number>();
  private bits = new Uint8Array(0);
  private pending: AlarmTransition[] = [];
  private readonly out: Emitted[] = [];

  /** Restores persisted states (episode numbers especially, so idempotency keys never repeat). */
  restore(key: string, s: AlarmState): void {
    this.states.set(key, s);
  }

  bind(subjects: readonly RuleSubject[]): Uint8Array {
    this.byKey.clear();
    this.slots = subjects.map((sub, i) => {
      let state = this.states.get(sub.key);
      if (!state) this.states.set(sub.key, (state = L.initialAlarmState()));
      this.byKey.set(sub.key, i);
      return { key: sub.key, rule: sub.rule, assetId: sub.assetId, policy: policyOf(sub.rule), state };
    });
    this.bits = Uint8Array.from(this.slots, (s) => bitsOf(s.state));
    return this.bits;
  }

  hit(slot: number, raise: boolean, hold: boolean, ts: number): boolean {
    const sl = this.slots[slot]!;
    L.stepAlarm(sl.state, raise, hold, ts, sl.policy, this.out);
    const raised = this.out.length > 0 && this.flushOut(sl, undefined);
    this.bits[slot] = bitsOf(sl.state);
    return raised;
  }

  evidence(slot: number, evidence: Evidence): void {
    const sl = this.slots[slot]!;
    sl.state.evidence = evidence;
    for (const t of this.pending) {
      if (t.key === sl.key && t.change === 'raised' && t.state.episode === sl.state.episode) {
        t.evidence = evidence;
        t.state.evidence = evidence;
      }
    }
  }

  expire(slot: number, ts: number): void {
    const sl = this.slots[slot]!;
    L.expireAlarm(sl.state, ts, sl.policy, this.out);
    if (this.out.length) this.flushOut(sl, undefined);
    this.bits[slot] = bitsOf(sl.state);
  }

  /**
   * When time alone next changes an alarm (a delay, a shelve or chattering ends; Infinity when
   * nothing waits on time): a replay advances to it instead of ticking every second.
   */
  nextDue(): number {
    let due = Infinity;
    for (let i = 0; i < this.bits.length; i++) {
      if ((this.bits[i]! & (ALARM.WAITING | ALARM.EXPIRES)) === 0) continue;
      const sl = this.slots[i]!;
      const d = L.dueAt(sl.state, sl.policy);
      if (d < due) due = d;
    }
    return due;
  }

  /** The alarm-state bits of slot `i` ({@link ALARM}), as the rule engine reads them. */
  bitsOf(i: number): number {
    return this.bits[i] ?? 0;
  }

  /** Queues what the lifecycle emitted; true when one of them is a raise. */
  private flushOut(sl: Slot, by: string | undefined): boolean {
    let raised = false;
    for (const e of this.out) {
      if (e.change === 'raised') raised = true;
      const s = copy(sl.state);
      this.pending.push({ key: sl.key, ruleId: sl.rule.id, assetId: sl.assetId, priority: sl.rule.priority, change: e.change, state: s, ts: e.ts, order: e.order, evidence: s.evidence ?? undefined, by });
    }
    this.out.length = 0;
    return raised;
  }

  private slot(ruleId: string, assetId: string): number {
    const i = this.byKey.get(`${ruleId}@${assetId}`);
    if (i === undefined) throw new CbmError('CBM_ERR_NOT_FOUND', `no rule "${ruleId}" on asset "${assetId}"`);
    return i;
  }

  /** Runs an operator command on slot `i` and queues what it changed. */
  private command<T>(i: number, by: string, f: (sl: Slot, out: Emitted[]) => T): T {
    const sl = this.slots[i]!;
    const r = f(sl, this.out);
    this.flushOut(sl, by);
    this.bits[i] = bitsOf(sl.state);
    return r;
  }

  acknowledge(ruleId: string, assetId: string, ts: number, by: string): boolean {
    return this.command(this.slot(ruleId, assetId), by, (sl, out) => L.acknowledge(sl.state, ts, out));
  }

  /** Shelves for `durationMs`, capped at the rule's `maxShelve` (ISA-18.2 §11.6). Returns the end. */
  shelve(ruleId: string, assetId: string, ts: number, durationMs: number, by: string): number {
    return this.command(this.slot(ruleId, assetId), by, (sl, out) => {
      const until = ts + Math.min(durationMs, sl.rule.maxShelve);
      L.shelve(sl.state, ts, until, out);
      return until;
    });
  }

  unshelve(ruleId: string, assetId: string, ts: number, by: string): void {
    this.command(this.slot(ruleId, assetId), by, (sl, out) => L.unshelve(sl.state, ts, sl.policy, out));
  }

  /** Asset in maintenance: all its alarms out of service (no orders), and back. Returns how many. */
  setOutOfService(assetId: string, oos: boolean, ts: number, by: string): number {
    let n = 0;
    this.slots.forEach((sl, i) => {
      if (sl.assetId !== assetId) return;
      n++;
      this.command(i, by, (s, out) => L.setOutOfService(s.state, ts, oos, out));
    });
    return n;
  }

  /**
   * The wall clock stepped by `ms`: the instants that time delays, shelves, chattering and
   * repeating move with it, so a step back does not hold an alarm's on-delay for the length of the
   * step, and a step forward does not end a shelve early.
   */
  shiftTimes(ms: number, now: number): void {
    // An instant set on the new clock already (between the step and its detection) stays.
    const move = (t: number) => (setAfterStep(t, ms, now) ? t : t + ms);
    for (const s of this.states.values()) {
      s.pendingSince = move(s.pendingSince);
      s.clearingSince = move(s.clearingSince);
      s.shelvedUntil = Number.isNaN(s.shelvedUntil) ? s.shelvedUntil : s.shelvedUntil + ms;
      for (let i = 0; i < s.recent.length; i++) s.recent[i] = move(s.recent[i]!);
      for (let i = 0; i < s.raises.length; i++) s.raises[i] = move(s.raises[i]!);
    }
  }

  /** The state of an alarm (a copy), or undefined when it never existed. */
  peek(key: string): AlarmState | undefined {
    const s = this.states.get(key);
    return s && copy(s);
  }

  /** The alarms of the loaded rules (of one asset), with a copy of their state. */
  list(assetId?: string): AlarmView[] {
    return this.slots
      .filter((sl) => assetId === undefined || sl.assetId === assetId)
      .map((sl) => ({ key: sl.key, ruleId: sl.rule.id, ruleName: sl.rule.name, assetId: sl.assetId, priority: sl.rule.priority, state: copy(sl.state) }));
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Hands over the queued transitions and forgets them. */
  drain(): AlarmTransition[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }
}
