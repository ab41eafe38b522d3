import type { AlarmBook } from '../alarms/book.js';
import type { AlarmState } from '../alarms/lifecycle.js';
import type { RuleInstance } from './load.js';

interface Slot {
  inst: RuleInstance;
  alarm: AlarmState;
}

/**
 * Evaluates rules, indexed by tag: a sample meets only the rule instances that read its tag.
 * The index is an array by tag index, so the lookup is one load, not a hash.
 */
export class RuleEngine {
  private byTag: Slot[][] = [];
  private count = 0;
  evaluations = 0;

  constructor(
    private readonly tagCount: number,
    private readonly book: AlarmBook,
  ) {}

  /** Installs a rule set; alarms of instances that remain keep their state. */
  load(instances: readonly RuleInstance[]): void {
    const byTag: Slot[][] = Array.from({ length: this.tagCount }, () => []);
    for (const inst of instances) {
      const slot: Slot = { inst, alarm: this.book.state(inst.key) };
      const tags = new Set([...inst.compiled.tags, ...(inst.clear?.tags ?? [])]);
      for (const t of tags) byTag[t]!.push(slot);
    }
    this.byTag = byTag;
    this.count = instances.length;
  }

  get size(): number {
    return this.count;
  }

  /** Re-evaluates every rule instance that reads `tagIndex`, at sample time `ts`. */
  evaluate(tagIndex: number, ts: number): void {
    const slots = this.byTag[tagIndex];
    if (!slots) return;
    for (let i = 0; i < slots.length; i++) {
      const { inst, alarm } = slots[i]!;
      const raise = inst.compiled.test();
      const hold = alarm.state === 'active' ? (inst.clear ? !inst.clear.test() : inst.compiled.hold()) : false;
      this.book.step(inst, alarm, raise, hold, ts);
    }
    this.evaluations += slots.length;
  }
}
