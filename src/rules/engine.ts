import { captureEvidence } from './evidence.js';
import { ALARM, type RuleHitSink } from './hits.js';
import type { RuleInstance } from './load.js';

interface Slot {
  inst: RuleInstance;
  /** Position in the slot arrays (the alarm stage's slot number). */
  index: number;
}

/** Alarm bits that make a slot worth evaluating even when its threshold does not hold. */
const BUSY = ALARM.ACTIVE | ALARM.WAITING;

/**
 * Evaluates rules, indexed by tag: a sample meets only the rule instances that read its tag
 * (an array by tag index: one load, not a hash), and hands each outcome to the alarm stage
 * ({@link RuleHitSink}). `tick` re-evaluates what time alone can change: window and staleness
 * facts, running on/off delays, shelve expiry, chattering. An instance whose evaluation throws
 * is contained: counted, reported once through `onError`, and the others go on.
 */
export class RuleEngine {
  private slots: Slot[] = [];
  private timed: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  private sink: RuleHitSink | undefined;
  /** Alarm-state bits per slot, kept current by the alarm stage ({@link ALARM}). */
  private bits: Uint8Array = new Uint8Array(0);
  // The tag index as CSR (compressed sparse rows): slots reading tag t are
  // list[offsets[t] .. offsets[t+1]). Plus, per slot, four numbers in one cache line:
  // [inline op (0: none; 9/10: an any/all group, see `leaves`), limit, tag, unused]. For a quiet
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
  /** Evaluations that threw (a fact or the alarm stage failed); each instance is reported once. */
  errors = 0;
  private readonly failed = new Set<string>();
  /** Counts rule loads, so that a tick in steps notices a reload between them. */
  private generation = 0;

  constructor(
    private readonly tagCount: number,
    /** Latest usable values by tag index (the same array the facts read). */
    private readonly values: Float64Array,
    private readonly onError: (key: string, err: unknown) => void = () => {},
  ) {
    // No rules until the first load: every tag reads "nothing to evaluate".
    this.offsets = new Int32Array(tagCount + 1);
    this.single = new Float64Array(tagCount * 3);
  }

  /** Installs a rule set and binds it to the alarm stage, which keeps the alarms of instances that remain. */
  load(instances: readonly RuleInstance[], sink: RuleHitSink): void {
    this.generation++;
    const bits = sink.bind(instances.map((i) => ({ key: i.key, rule: i.rule, assetId: i.asset.id })));
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
      const slot: Slot = { inst, index: i };
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
    this.sink = sink;
    this.bits = bits;
    this.failed.clear();
    this.timed = slots.filter((s) => s.inst.compiled.timed || s.inst.clear?.timed);
  }

  /** Instances whose evaluation threw since the last load (still evaluated on every sample; each failure counted). */
  get failedInstances(): string[] {
    return [...this.failed];
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
    const { inst, index } = slot;
    this.runs++;
    try {
      const raise = inst.compiled.test();
      const hold = (this.bits[index]! & ALARM.ACTIVE) !== 0 ? (inst.clear ? !inst.clear.test() : inst.compiled.hold()) : false;
      const sink = this.sink!;
      if (sink.hit(index, raise, hold, ts)) sink.evidence(index, captureEvidence(inst, ts, (t) => this.values[t]!));
    } catch (e) {
      this.fail(inst.key, e);
    }
  }

  private fail(key: string, e: unknown): void {
    this.errors++;
    if (this.failed.has(key)) return;
    this.failed.add(key);
    this.onError(key, e);
  }

  /** Re-evaluates every rule instance that reads `tagIndex`, at sample time `ts`. */
  evaluate(tagIndex: number, ts: number): void {
    const sb = tagIndex * 3;
    const sop = this.single[sb]!;
    if (sop !== 0) {
      const s = this.single[sb + 2]!;
      this.evaluations++;
      if ((this.bits[s]! & BUSY) === 0) {
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
        if ((this.bits[s]! & BUSY) === 0 && !this.groupMayHold(code === ANY, fast[b + 1]!, fast[b + 2]!, ts)) continue;
      } else if (code !== 0 && (this.bits[s]! & BUSY) === 0) {
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

  private expireSlot(slot: Slot, now: number): void {
    try {
      this.sink!.expire(slot.index, now);
    } catch (e) {
      this.fail(slot.inst.key, e);
    }
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
      const bits = this.bits[slot.index]!;
      if (bits !== 0 && bits !== ALARM.ACTIVE && !(slot.inst.compiled.timed || slot.inst.clear?.timed)) {
        if ((bits & ALARM.WAITING) !== 0) this.run(slot, now);
        else this.expireSlot(slot, now);
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
