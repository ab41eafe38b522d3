import type { RuleInstance } from '../rules/load.js';
import type { WorkOrder } from '../workorders/model.js';
import { initialAlarmState, stepAlarm, type AlarmChange, type AlarmState } from './lifecycle.js';
import type { AlarmRow } from './store.js';

/** A change of one alarm, handed to the stage that persists it with its work order. */
export interface AlarmTransition {
  inst: RuleInstance;
  change: Exclude<AlarmChange, null>;
  state: AlarmState;
  ts: number;
  /** Set on `raised`: the order this episode makes. */
  order: WorkOrder | undefined;
}

export type OrderFactory = (inst: RuleInstance, episode: number, ts: number) => WorkOrder;

/**
 * Every alarm's state, one per rule instance (rule + asset), keyed so a rule reload keeps the
 * state of rules that still exist. Transitions queue up until the pipeline commits them.
 */
export class AlarmBook {
  private readonly states = new Map<string, AlarmState>();
  private pending: AlarmTransition[] = [];

  constructor(private readonly makeOrder: OrderFactory) {}

  /** Restores persisted states (episode numbers especially, so idempotency keys never repeat). */
  restore(rows: readonly AlarmRow[]): void {
    for (const r of rows) {
      const s = initialAlarmState();
      s.state = r.state;
      s.episode = r.episode;
      s.since = r.since ?? Number.NaN;
      this.states.set(`${r.rule_id}@${r.asset_id}`, s);
    }
  }

  state(key: string): AlarmState {
    let s = this.states.get(key);
    if (!s) {
      s = initialAlarmState();
      this.states.set(key, s);
    }
    return s;
  }

  peek(key: string): AlarmState | undefined {
    return this.states.get(key);
  }

  step(inst: RuleInstance, s: AlarmState, raise: boolean, hold: boolean, ts: number): void {
    const change = stepAlarm(s, raise, hold, ts, inst.rule);
    if (change === null) return;
    const order = change === 'raised' ? this.makeOrder(inst, s.episode, ts) : undefined;
    this.pending.push({ inst, change, state: { ...s }, ts, order });
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

  active(): { key: string; state: AlarmState }[] {
    const out: { key: string; state: AlarmState }[] = [];
    for (const [key, state] of this.states) if (state.state === 'active') out.push({ key, state });
    return out;
  }
}
