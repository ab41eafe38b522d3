/**
 * The alarm of one rule on one asset, after ISA-18.2 §11 and OPC UA Part 9: it raises when its
 * condition has held for the on-delay, and returns to normal when the return-to-normal has held
 * for the off-delay. Each raise starts a new episode; an episode makes at most one work order.
 *
 * States: `normal` and `active`. Pending timers (on/off delay) are data on the state, so the
 * whole state persists as one row and a restart resumes mid-delay.
 */
export type AlarmStateName = 'normal' | 'active';

export interface AlarmState {
  state: AlarmStateName;
  /** Increments on every raise; with the rule and asset it makes the idempotency key. */
  episode: number;
  /** When the condition first held in the current run-up to a raise (NaN: not pending). */
  pendingSince: number;
  /** When return-to-normal first held while active (NaN: not clearing). */
  clearingSince: number;
  /** Time of the last change of `state`. */
  since: number;
}

export interface AlarmTiming {
  onDelay: number;
  offDelay: number;
}

export type AlarmChange = 'raised' | 'cleared' | null;

export function initialAlarmState(): AlarmState {
  return { state: 'normal', episode: 0, pendingSince: Number.NaN, clearingSince: Number.NaN, since: Number.NaN };
}

/**
 * Advances the alarm with one evaluation at time `ts`.
 * @param raise  the rule's condition holds now
 * @param hold   the alarm should stay active (condition within deadband, or clear condition false)
 */
export function stepAlarm(s: AlarmState, raise: boolean, hold: boolean, ts: number, t: AlarmTiming): AlarmChange {
  if (s.state === 'normal') {
    if (!raise) {
      s.pendingSince = Number.NaN;
      return null;
    }
    if (Number.isNaN(s.pendingSince)) s.pendingSince = ts;
    if (ts - s.pendingSince < t.onDelay) return null;
    s.state = 'active';
    s.episode++;
    s.since = ts;
    s.pendingSince = Number.NaN;
    s.clearingSince = Number.NaN;
    return 'raised';
  }
  if (hold) {
    s.clearingSince = Number.NaN;
    return null;
  }
  if (Number.isNaN(s.clearingSince)) s.clearingSince = ts;
  if (ts - s.clearingSince < t.offDelay) return null;
  s.state = 'normal';
  s.since = ts;
  s.clearingSince = Number.NaN;
  return 'cleared';
}
