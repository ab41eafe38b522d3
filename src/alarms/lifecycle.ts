import type { Evidence } from '../rules/evidence.js';

/**
 * The alarm of one rule on one asset, after ISA-18.2 (§11 alarm states, Fig. 7) and OPC UA
 * Part 9 (AlarmConditionType: Active, Acked, Shelved, OutOfService/Suppressed). It raises when
 * its condition has held for the on-delay, returns to normal when the return-to-normal has held
 * for the off-delay, can be acknowledged, shelved for a bounded time, or taken out of service
 * (asset in maintenance). Each raise starts an episode; an episode asks for at most one work
 * order, and none while shelved, out of service, chattering or repeating (EEMUA 191 bad actors).
 * Whether the request makes a new order or updates an open one is the work-order stage's call.
 * A shelve that expires with the alarm still active brings it back.
 */
export type AlarmStateName = 'normal' | 'unacknowledged' | 'acknowledged' | 'rtn_unacknowledged' | 'shelved' | 'out_of_service';

export type AlarmChange =
  | 'raised'
  | 'cleared'
  | 'acknowledged'
  | 'shelved'
  | 'unshelved'
  | 'out_of_service'
  | 'in_service'
  | 'chattering'
  | 'chattering_ended'
  | 'repeating'
  | 'repeating_ended';

export interface AlarmState {
  /** The process is in alarm (after the delays). */
  active: boolean;
  acked: boolean;
  /** Increments on every raise; with the rule and asset it makes the idempotency key. */
  episode: number;
  /** Whether the current episode has asked for its work order. */
  episodeOrdered: boolean;
  /** NaN when not pending. */
  pendingSince: number;
  clearingSince: number;
  /** Last change of `active`. */
  since: number;
  /** NaN when not shelved. */
  shelvedUntil: number;
  outOfService: boolean;
  chattering: boolean;
  /** Times of recent raise/clear transitions, for chattering detection. */
  recent: number[];
  /** Raised more often than the repeating limits allow (EEMUA 191): raises ask for no order. */
  repeating: boolean;
  /** Times of recent raises (the last day's, at most `repeatPerDay` + 1), for repeating detection. */
  raises: number[];
  /** Raises that asked for no order (shelved, out of service, chattering, repeating). */
  suppressed: number;
  /** What the rule saw when the current episode raised; its work order carries it. */
  evidence: Evidence | null;
}

export interface AlarmPolicy {
  onDelay: number;
  offDelay: number;
  /** Transitions within `chatterWindow` that mark an alarm as chattering (ISA-18.2 §16.5: 3 a minute). */
  chatterCount: number;
  chatterWindow: number;
  /** Repeating (EEMUA 191): more than this many raises within an hour, or within a day. */
  repeatPerHour: number;
  repeatPerDay: number;
}

export interface Emitted {
  change: AlarmChange;
  ts: number;
  /** Make the work order of the current episode now. */
  order: boolean;
}

export function initialAlarmState(): AlarmState {
  return {
    active: false,
    acked: true,
    episode: 0,
    episodeOrdered: false,
    pendingSince: Number.NaN,
    clearingSince: Number.NaN,
    since: Number.NaN,
    shelvedUntil: Number.NaN,
    outOfService: false,
    chattering: false,
    recent: [],
    repeating: false,
    raises: [],
    suppressed: 0,
    evidence: null,
  };
}

export function stateName(s: AlarmState): AlarmStateName {
  if (s.outOfService) return 'out_of_service';
  if (!Number.isNaN(s.shelvedUntil)) return 'shelved';
  if (s.active) return s.acked ? 'acknowledged' : 'unacknowledged';
  return s.acked ? 'normal' : 'rtn_unacknowledged';
}

function mayOrder(s: AlarmState): boolean {
  return !s.outOfService && Number.isNaN(s.shelvedUntil) && !s.chattering && !s.repeating;
}

function takeOrder(s: AlarmState): boolean {
  if (s.episodeOrdered) return false;
  if (!mayOrder(s)) {
    s.suppressed++;
    return false;
  }
  s.episodeOrdered = true;
  return true;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Raises within `ms` before `ts` (the list is in time order). */
function raisesWithin(s: AlarmState, ts: number, ms: number): number {
  let n = 0;
  for (let i = s.raises.length - 1; i >= 0 && s.raises[i]! > ts - ms; i--) n++;
  return n;
}

/** A raise at `ts`: repeating when the last hour or day holds more raises than the policy allows. */
function noteRaise(s: AlarmState, ts: number, p: AlarmPolicy, out: Emitted[]): void {
  s.raises.push(ts);
  while (s.raises.length > 0 && s.raises[0]! <= ts - DAY) s.raises.shift();
  if (s.raises.length > p.repeatPerDay + 1) s.raises.splice(0, s.raises.length - p.repeatPerDay - 1);
  if (!s.repeating && (raisesWithin(s, ts, HOUR) > p.repeatPerHour || raisesWithin(s, ts, DAY) > p.repeatPerDay)) {
    s.repeating = true;
    out.push({ change: 'repeating', ts, order: false });
  }
}

function noteTransition(s: AlarmState, ts: number, p: AlarmPolicy, out: Emitted[]): void {
  s.recent.push(ts);
  while (s.recent.length > 0 && s.recent[0]! <= ts - p.chatterWindow) s.recent.shift();
  if (s.recent.length > p.chatterCount * 2) s.recent.splice(0, s.recent.length - p.chatterCount * 2);
  if (!s.chattering && s.recent.length >= p.chatterCount) {
    s.chattering = true;
    out.push({ change: 'chattering', ts, order: false });
  }
}

/** Time-driven changes: shelve expiry, end of chattering and of repeating. Call on every evaluation and tick. */
export function expireAlarm(s: AlarmState, ts: number, p: AlarmPolicy, out: Emitted[]): void {
  if (!Number.isNaN(s.shelvedUntil) && ts >= s.shelvedUntil) {
    s.shelvedUntil = Number.NaN;
    // Coming back from a shelve with the condition still present: the order it held back is due now.
    out.push({ change: 'unshelved', ts, order: s.active && takeOrder(s) });
  }
  if (s.repeating && raisesWithin(s, ts, HOUR) <= p.repeatPerHour && raisesWithin(s, ts, DAY) <= p.repeatPerDay) {
    s.repeating = false;
    out.push({ change: 'repeating_ended', ts, order: false });
  }
  if (s.chattering) {
    const last = s.recent[s.recent.length - 1];
    if (last === undefined || ts - last >= p.chatterWindow) {
      s.chattering = false;
      s.recent.length = 0;
      out.push({ change: 'chattering_ended', ts, order: false });
    }
  }
}

/**
 * The earliest time at which time alone changes the alarm, with its condition as it is: an on- or
 * off-delay that ends, a shelve that expires, chattering or repeating that ends (Infinity when none). Every
 * time-driven change in {@link expireAlarm} and {@link stepAlarm} must be covered here: a replay
 * skips from one such time to the next instead of ticking every second.
 */
export function dueAt(s: AlarmState, p: AlarmPolicy): number {
  let due = Infinity;
  if (!Number.isNaN(s.pendingSince)) due = Math.min(due, s.pendingSince + p.onDelay);
  if (!Number.isNaN(s.clearingSince)) due = Math.min(due, s.clearingSince + p.offDelay);
  if (!Number.isNaN(s.shelvedUntil)) due = Math.min(due, s.shelvedUntil);
  if (s.chattering) due = Math.min(due, (s.recent[s.recent.length - 1] ?? -Infinity) + p.chatterWindow);
  if (s.repeating) {
    // Repeating ends once the hour and the day each hold no more raises than allowed: when the
    // raise beyond each limit has aged out of its window.
    const out = (limit: number, ms: number) => (s.raises.length > limit ? s.raises[s.raises.length - limit - 1]! + ms : -Infinity);
    due = Math.min(due, Math.max(out(p.repeatPerHour, HOUR), out(p.repeatPerDay, DAY)));
  }
  return due;
}

/**
 * Advances the alarm with one evaluation at time `ts`.
 * @param raise  the rule's condition holds now
 * @param hold   the alarm should stay active (condition within deadband, or clear condition false)
 */
export function stepAlarm(s: AlarmState, raise: boolean, hold: boolean, ts: number, p: AlarmPolicy, out: Emitted[]): void {
  expireAlarm(s, ts, p, out);
  if (!s.active) {
    if (!raise) {
      s.pendingSince = Number.NaN;
      return;
    }
    if (Number.isNaN(s.pendingSince)) s.pendingSince = ts;
    if (ts - s.pendingSince < p.onDelay) return;
    s.active = true;
    s.acked = false;
    s.episode++;
    s.episodeOrdered = false;
    s.since = ts;
    s.pendingSince = Number.NaN;
    s.clearingSince = Number.NaN;
    noteTransition(s, ts, p, out);
    noteRaise(s, ts, p, out);
    out.push({ change: 'raised', ts, order: takeOrder(s) });
    return;
  }
  if (hold) {
    s.clearingSince = Number.NaN;
    return;
  }
  if (Number.isNaN(s.clearingSince)) s.clearingSince = ts;
  if (ts - s.clearingSince < p.offDelay) return;
  s.active = false;
  s.since = ts;
  s.clearingSince = Number.NaN;
  noteTransition(s, ts, p, out);
  out.push({ change: 'cleared', ts, order: false });
}

export function acknowledge(s: AlarmState, ts: number, out: Emitted[]): boolean {
  if (s.acked) return false;
  s.acked = true;
  out.push({ change: 'acknowledged', ts, order: false });
  return true;
}

/** Shelves until `until` (the caller caps it at the rule's maximum shelve time). */
export function shelve(s: AlarmState, ts: number, until: number, out: Emitted[]): void {
  s.shelvedUntil = until;
  out.push({ change: 'shelved', ts, order: false });
}

export function unshelve(s: AlarmState, ts: number, p: AlarmPolicy, out: Emitted[]): void {
  if (Number.isNaN(s.shelvedUntil)) return;
  s.shelvedUntil = ts;
  expireAlarm(s, ts, p, out);
}

export function setOutOfService(s: AlarmState, ts: number, oos: boolean, out: Emitted[]): void {
  if (s.outOfService === oos) return;
  s.outOfService = oos;
  out.push({ change: oos ? 'out_of_service' : 'in_service', ts, order: !oos && s.active && takeOrder(s) });
}
