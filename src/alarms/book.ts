import type { RuleInstance } from '../rules/load.js';
import type { WorkOrder } from '../workorders/model.js';
import * as L from './lifecycle.js';
import type { AlarmChange, AlarmPolicy, AlarmState, Emitted } from './lifecycle.js';

/** A change of one alarm, handed to the stage that persists it with its work order. */
export interface AlarmTransition {
  inst: RuleInstance;
  change: AlarmChange;
  state: AlarmState;
  ts: number;
  /** The order this change makes (a raise, or a shelve/out-of-service ending on an active alarm). */
  order: WorkOrder | undefined;
  /** Who did it, for operator commands. */
  by: string | undefined;
}

export type OrderFactory = (inst: RuleInstance, episode: number, ts: number) => WorkOrder;

export function policyOf(inst: RuleInstance): AlarmPolicy {
  const r = inst.rule;
  return {
    onDelay: r.onDelay,
    offDelay: r.offDelay,
    chatterCount: r.chatter.count,
    chatterWindow: r.chatter.window,
    rearm: r.rearm ?? (r.workOrder.type === 'PM' ? 'completion' : 'clear'),
  };
}

/**
 * Every alarm's state, one per rule instance (rule + asset), keyed so a rule reload keeps the
 * state of rules that still exist. Transitions queue up until the pipeline commits them in the
 * same transaction as their work orders.
 */
export class AlarmBook {
  private readonly states = new Map<string, AlarmState>();
  private pending: AlarmTransition[] = [];
  private readonly out: Emitted[] = [];

  constructor(private readonly makeOrder: OrderFactory) {}

  /** Restores persisted states (episode numbers especially, so idempotency keys never repeat). */
  restore(key: string, s: AlarmState): void {
    this.states.set(key, s);
  }

  state(key: string): AlarmState {
    let s = this.states.get(key);
    if (!s) {
      s = L.initialAlarmState();
      this.states.set(key, s);
    }
    return s;
  }

  peek(key: string): AlarmState | undefined {
    return this.states.get(key);
  }

  private flushOut(inst: RuleInstance, s: AlarmState, by?: string): void {
    for (const e of this.out) {
      const order = e.order ? this.makeOrder(inst, s.episode, e.ts) : undefined;
      this.pending.push({ inst, change: e.change, state: { ...s, recent: [...s.recent] }, ts: e.ts, order, by });
    }
    this.out.length = 0;
  }

  step(inst: RuleInstance, s: AlarmState, policy: AlarmPolicy, raise: boolean, hold: boolean, ts: number): void {
    L.stepAlarm(s, raise, hold, ts, policy, this.out);
    if (this.out.length) this.flushOut(inst, s);
  }

  /** Time alone: shelve expiry, end of chattering. */
  expire(inst: RuleInstance, s: AlarmState, policy: AlarmPolicy, ts: number): void {
    L.expireAlarm(s, ts, policy, this.out);
    if (this.out.length) this.flushOut(inst, s);
  }

  acknowledge(inst: RuleInstance, ts: number, by: string): boolean {
    const ok = L.acknowledge(this.state(inst.key), ts, this.out);
    this.flushOut(inst, this.state(inst.key), by);
    return ok;
  }

  shelve(inst: RuleInstance, ts: number, durationMs: number, by: string): number {
    const until = ts + Math.min(durationMs, inst.rule.maxShelve);
    L.shelve(this.state(inst.key), ts, until, this.out);
    this.flushOut(inst, this.state(inst.key), by);
    return until;
  }

  unshelve(inst: RuleInstance, ts: number, by: string): void {
    L.unshelve(this.state(inst.key), ts, policyOf(inst), this.out);
    this.flushOut(inst, this.state(inst.key), by);
  }

  setOutOfService(inst: RuleInstance, ts: number, oos: boolean, by: string): void {
    L.setOutOfService(this.state(inst.key), ts, oos, policyOf(inst), this.out);
    this.flushOut(inst, this.state(inst.key), by);
  }

  rearm(inst: RuleInstance, ts: number, by: string): void {
    L.rearm(this.state(inst.key), ts, this.out);
    this.flushOut(inst, this.state(inst.key), by);
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
