import { policyOf, type AlarmBook } from '../alarms/book.js';
import type { AlarmPolicy, AlarmState } from '../alarms/lifecycle.js';
import type { RuleInstance } from './load.js';

interface Slot {
  inst: RuleInstance;
  alarm: AlarmState;
  policy: AlarmPolicy;
  /** Position in the slot arrays. */
  index: number;
}

/**
 * Evaluates rules, indexed by tag: a sample meets only the rule instances that read its tag
 * (an array by tag index: one load, not a hash). `tick` re-evaluates what time alone can change:
 * window and staleness facts, running on/off delays, shelve expiry, chattering.
 */
export class RuleEngine {
  private slots: Slot[] = [];
  private timed: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  // The tag index as CSR (compressed sparse rows): slots reading tag t are
  // list[offsets[t] .. offsets[t+1]). Plus, per slot, four numbers in one cache line:
  // [inline op (0: none; 9/10: an any/all group, see `leaves`), limit, tag, quiet]. For a quiet
  // alarm (inactive, nothing pending) whose simple threshold does not hold, a sample touches no
  // rule object at all; memory locality, not arithmetic, is what 10,000 rules cost.
  private offsets = new Int32Array(1);
  private list = new Int32Array(0);
  private fast = new Float64Array(0);
  // The commonest case, one simple threshold on the sample's own tag, in tag order:
  // [op, limit, slot]; op 0 = take the general path. One cache line per sample, like the values.
  private single = new Float64Array(0);
  // Inline ops 5–8 compare a window's average cell (ops 1–4) instead of the tag's value.
  private cells: (Float64Array | undefined)[] = [];
  // Codes 9 (any) and 10 (all): the slot's [limit, tag] fields hold [first leaf, leaf count] in
  // this table of leaves, [op 1–8, limit, tag] each, with their window cells alongside.
  private leaves = new Float64Array(0);
  private leafCells: (Float64Array | undefined)[] = [];
  evaluations = 0;
  /** Evaluations that took the closures and the lifecycle (the rest the inline tests settled). */
  runs = 0;
  /** Counts rule loads, so that a tick in steps notices a reload between them. */
  private generation = 0;

  constructor(
    private readonly tagCount: number,
    private readonly book: AlarmBook,
    /** Latest usable values by tag index (the same array the facts read). */
    private readonly values: Float64Array,
  ) {
    // No rules until the first load: every tag reads "nothing to evaluate".
    this.offsets = new Int32Array(tagCount + 1);
    this.single = new Float64Array(tagCount * 3);
  }

  /** Installs a rule set; alarms of instances that remain keep their state. */
  load(instances: readonly RuleInstance[]): void {
    this.generation++;
    const slots: Slot[] = [];
    this.byKey.clear();
    const fast = new Float64Array(instances.length * 4);
    const cells: (Float64Array | undefined)[] = new Array(instances.length);
    const perTag: number[][] = Array.from({ length: this.tagCount }, () => []);
    const leafCount = instances.reduce((n, inst) => n + (inst.compiled.group?.leaves.length ?? 0), 0);
    const leaves = new Float64Array(leafCount * 3);
    const leafCells: (Float64Array | undefined)[] = new Array(leafCount);
    let nextLeaf = 0;
    instances.forEach((inst, i) => {
      const sc = inst.clear ? undefined : inst.compiled.simple;
      const group = inst.clear ? undefined : inst.compiled.group;
      const slot: Slot = { inst, alarm: this.book.state(inst.key), policy: policyOf(inst), index: i };
      slots.push(slot);
      this.byKey.set(inst.key, slot);
      if (sc) {
        fast[i * 4] = sc.cell ? sc.op + 4 : sc.op;
        cells[i] = sc.cell;
        fast[i * 4 + 1] = sc.limit;
        fast[i * 4 + 2] = sc.tag;
      } else if (group) {
        fast[i * 4] = group.mode === 'any' ? ANY : ALL;
        fast[i * 4 + 1] = nextLeaf;
        fast[i * 4 + 2] = group.leaves.length;
        for (const l of group.leaves) {
          leaves[nextLeaf * 3] = l.cell ? l.op + 4 : l.op;
          leaves[nextLeaf * 3 + 1] = l.limit;
          leaves[nextLeaf * 3 + 2] = l.tag;
          leafCells[nextLeaf++] = l.cell;
        }
      }
      for (const t of new Set([...inst.compiled.tags, ...(inst.clear?.tags ?? [])])) perTag[t]!.push(i);
    });
    const offsets = new Int32Array(this.tagCount + 1);
    for (let t = 0; t < this.tagCount; t++) offsets[t + 1] = offsets[t]! + perTag[t]!.length;
    const list = new Int32Array(offsets[this.tagCount]!);
    for (let t = 0; t < this.tagCount; t++) list.set(perTag[t]!, offsets[t]!);
    const single = new Float64Array(this.tagCount * 3);
    for (let t = 0; t < this.tagCount; t++) {
      if (perTag[t]!.length !== 1) continue;
      const i = perTag[t]![0]!;
      if (fast[i * 4] !== 0 && fast[i * 4]! < ANY && fast[i * 4 + 2] === t) {
        single[t * 3] = fast[i * 4]!;
        single[t * 3 + 1] = fast[i * 4 + 1]!;
        single[t * 3 + 2] = i;
      }
    }
    this.single = single;
    this.cells = cells;
    this.leaves = leaves;
    this.leafCells = leafCells;
    this.fast = fast;
    this.offsets = offsets;
    this.list = list;
    this.slots = slots;
    for (const slot of slots) this.updateQuiet(slot);
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

  private updateQuiet(slot: Slot): void {
    const a = slot.alarm;
    this.fast[slot.index * 4 + 3] = !a.active && Number.isNaN(a.pendingSince) ? 1 : 0;
  }

  private run(slot: Slot, ts: number): void {
    const { inst, alarm } = slot;
    this.runs++;
    const raise = inst.compiled.test();
    const hold = alarm.active ? (inst.clear ? !inst.clear.test() : inst.compiled.hold()) : false;
    this.book.step(inst, alarm, slot.policy, raise, hold, ts);
    this.updateQuiet(slot);
  }

  /** Re-evaluates every rule instance that reads `tagIndex`, at sample time `ts`. */
  evaluate(tagIndex: number, ts: number): void {
    const sb = tagIndex * 3;
    const sop = this.single[sb]!;
    if (sop !== 0) {
      const s = this.single[sb + 2]!;
      this.evaluations++;
      if (this.fast[s * 4 + 3] === 1) {
        const v = sop > 4 ? this.cells[s]![0]! : this.values[tagIndex]!;
        const op = sop > 4 ? sop - 4 : sop;
        const lim = this.single[sb + 1]!;
        if (!(op === 1 ? v > lim : op === 2 ? v >= lim : op === 3 ? v < lim : v <= lim)) return;
      }
      this.run(this.slots[s]!, ts);
      return;
    }
    const from = this.offsets[tagIndex]!;
    const to = this.offsets[tagIndex + 1]!;
    const fast = this.fast;
    for (let k = from; k < to; k++) {
      const s = this.list[k]!;
      const b = s * 4;
      const code = fast[b]!;
      if (code >= ANY) {
        // Quiet alarm, its any/all of thresholds does not hold: nothing can change.
        if (fast[b + 3] === 1 && !this.groupMayHold(code === ANY, fast[b + 1]!, fast[b + 2]!, ts)) continue;
      } else if (code !== 0 && fast[b + 3] === 1) {
        // Quiet alarm, threshold not met: nothing can change (NaN compares false).
        const v = code > 4 ? this.cells[s]![0]! : this.values[fast[b + 2]!]!;
        const op = code > 4 ? code - 4 : code;
        const lim = fast[b + 1]!;
        if (!(op === 1 ? v > lim : op === 2 ? v >= lim : op === 3 ? v < lim : v <= lim)) continue;
      }
      this.run(this.slots[s]!, ts);
    }
    this.evaluations += to - from;
  }

  /**
   * Whether `any` (else `all`) of the `n` inline leaves from `from` may hold at time `now`. A
   * window's cell holds its average as of the window's newest sample; when `now` falls in another
   * bucket of the window (the sample is another tag's, later), the closures would read a
   * different average, so the leaf may hold: it keeps an `any` from being skipped and never rules
   * an `all` out.
   */
  private groupMayHold(any: boolean, from: number, n: number, now: number): boolean {
    const ls = this.leaves;
    for (let j = from; j < from + n; j++) {
      const code = ls[j * 3]!;
      let holds: boolean;
      let v: number;
      if (code > 4) {
        const c = this.leafCells[j]!;
        v = Math.floor((now - c[2]!) / c[3]!) === c[1] ? c[0]! : Number.NaN;
      } else v = this.values[ls[j * 3 + 2]!]!;
      if (v !== v && code > 4) holds = true; // unknown (or an empty window): may hold
      else {
        const op = code > 4 ? code - 4 : code;
        const lim = ls[j * 3 + 1]!;
        holds = op === 1 ? v > lim : op === 2 ? v >= lim : op === 3 ? v < lim : v <= lim;
      }
      if (holds === any) return any;
    }
    return !any;
  }

  /**
   * Time moves on without samples: re-evaluate timed rules and any alarm waiting on a delay,
   * and let shelves and chattering expire.
   */
  tick(now: number): void {
    for (const _ of this.tickSteps(now, Infinity));
  }

  /**
   * {@link tick} in steps of `chunk` rule evaluations (and 16 × `chunk` cheap checks): the caller
   * lets the event loop run between steps, so a thousand timed rules do not hold up ingest for
   * milliseconds at once. All steps use the same `now`; a rule reload meanwhile ends the tick.
   */
  *tickSteps(now: number, chunk = TICK_CHUNK): Generator<void, void, void> {
    const generation = this.generation;
    let n = 0;
    for (const slot of this.timed) {
      this.run(slot, now);
      if (++n % chunk === 0) {
        yield;
        if (generation !== this.generation) return;
      }
    }
    n = 0;
    for (const slot of this.slots) {
      const a = slot.alarm;
      if (!(slot.inst.compiled.timed || slot.inst.clear?.timed)) {
        if (!Number.isNaN(a.pendingSince) || !Number.isNaN(a.clearingSince)) this.run(slot, now);
        else if (!Number.isNaN(a.shelvedUntil) || a.chattering) this.book.expire(slot.inst, a, slot.policy, now);
      }
      if (++n % (chunk * 16) === 0) {
        yield;
        if (generation !== this.generation) return;
      }
    }
  }
}

/** Inline codes of `any` / `all` groups (single comparisons are 1–8). */
const ANY = 9;
const ALL = 10;

/** Timed rule evaluations per tick step (~0.5 ms on this project's bench machine). */
const TICK_CHUNK = 200;
