import type { Evidence } from './evidence.js';
import type { RuleConfig } from './schema.js';

/** A rule instance as the alarm stage knows it: plain values, no compiled condition. */
export interface RuleSubject {
  /** `<ruleId>@<assetId>`: the alarm's identity. */
  key: string;
  rule: RuleConfig;
  assetId: string;
}

/**
 * What the rule stage hands the alarm stage. For each evaluation of a rule instance (a slot, in
 * the order of the loaded instances) the engine hands over the outcome as plain numbers: the
 * condition holds (`raise`), the alarm should stay active (`hold`: within the deadband, or the
 * clear condition is false), at time `ts`. The alarm stage runs its lifecycle and, when an alarm
 * raised, the engine hands the evidence it captured at that instant.
 *
 * Lifecycle: `bind` (per rule load) → `hit` / `evidence` / `expire` for every evaluation and tick.
 */
export interface RuleHitSink {
  /**
   * Called when a rule set is installed, with each instance in slot order. Returns
   * the alarm-state bits per slot ({@link ALARM}), which the sink keeps current and the engine
   * reads to skip evaluations that cannot change anything.
   */
  bind(subjects: readonly RuleSubject[]): Uint8Array;
  /** One evaluation. Returns true when the alarm raised (an episode began): evidence follows. */
  hit(slot: number, raise: boolean, hold: boolean, ts: number): boolean;
  /** The evidence of the raise `hit` just reported for `slot`. */
  evidence(slot: number, evidence: Evidence): void;
  /** Time alone moved on for an alarm that waits on it (shelve expiry, end of chattering). */
  expire(slot: number, ts: number): void;
}

/** Alarm-state bits per slot (see {@link RuleHitSink.bind}). */
export const ALARM = {
  /** The alarm is active: evaluations compute `hold`. */
  ACTIVE: 1,
  /** An on-delay or off-delay runs: evaluate on every tick. */
  WAITING: 2,
  /** Shelved or chattering: `expire` on every tick. */
  EXPIRES: 4,
} as const;
