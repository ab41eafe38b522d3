import { policyOf, type AlarmBook } from '../alarms/book.js';
import type { AlarmPolicy, AlarmState } from '../alarms/lifecycle.js';
import type { RuleInstance } from './load.js';

interface Slot {
  inst: RuleInstance;
  alarm: AlarmState;
  policy: AlarmPolicy;
}

/**
 * Evaluates rules, indexed by tag: a sample meets only the rule instances that read its tag
 * (an array by tag index: one load, not a hash). `tick` re-evaluates what time alone can change:
 * window and staleness facts, running on/off delays, shelve expiry, chattering.
 */
export class RuleEngine {
  private byTag: Slot[][] = [];
  private slots: Slot[] = [];
  private timed: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  evaluations = 0;

  constructor(
    private readonly tagCount: number,
    private readonly book: AlarmBook,
  ) {}

  /** Installs a rule set; alarms of instances that remain keep their state. */
  load(instances: readonly RuleInstance[]): void {
    const byTag: Slot[][] = Array.from({ length: this.tagCount }, () => []);
    const slots: Slot[] = [];
    this.byKey.clear();
    for (const inst of instances) {
      const slot: Slot = { inst, alarm: this.book.state(inst.key), policy: policyOf(inst) };
      slots.push(slot);
      this.byKey.set(inst.key, slot);
      const tags = new Set([...inst.compiled.tags, ...(inst.clear?.tags ?? [])]);
      for (const t of tags) byTag[t]!.push(slot);
    }
    this.byTag = byTag;
    this.slots = slots;
    this.timed = slots.filter((s) => s.inst.compiled.timed || s.inst.clear?.timed);
  }

  get size(): number {
    return this.slots.length;
  }

  instance(key: string): RuleInstance | undefined {
    return this.byKey.get(key)?.inst;
  }

  instances(): RuleInstance[] {
    return this.slots.map((s) => s.inst);
  }

  private run(slot: Slot, ts: number): void {
    const { inst, alarm } = slot;
    const raise = inst.compiled.test();
    const hold = alarm.active ? (inst.clear ? !inst.clear.test() : inst.compiled.hold()) : false;
    this.book.step(inst, alarm, slot.policy, raise, hold, ts);
  }

  /** Re-evaluates every rule instance that reads `tagIndex`, at sample time `ts`. */
  evaluate(tagIndex: number, ts: number): void {
    const slots = this.byTag[tagIndex];
    if (!slots) return;
    for (let i = 0; i < slots.length; i++) this.run(slots[i]!, ts);
    this.evaluations += slots.length;
  }

  /**
   * Time moves on without samples: re-evaluate timed rules and any alarm waiting on a delay,
   * and let shelves and chattering expire.
   */
  tick(now: number): void {
    for (const slot of this.timed) this.run(slot, now);
    for (const slot of this.slots) {
      const a = slot.alarm;
      if (slot.inst.compiled.timed || slot.inst.clear?.timed) continue;
      if (!Number.isNaN(a.pendingSince) || !Number.isNaN(a.clearingSince)) this.run(slot, now);
      else if (!Number.isNaN(a.shelvedUntil) || a.chattering) this.book.expire(slot.inst, a, slot.policy, now);
    }
  }
}
