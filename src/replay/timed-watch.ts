import type { AlarmBook } from '../alarms/book.js';
import { parseDuration } from '../config/duration.js';
import { ALARM } from '../rules/hits.js';
import type { Compiled } from '../rules/compile.js';
import type { RuleSet } from '../rules/rule-set.js';
import type { Condition } from '../rules/schema.js';
import type { Features } from '../tags/features.js';
import { Window } from '../tags/window.js';

interface TimedSlot {
  /** The slot number shared by the rule engine and the alarm book. */
  index: number;
  compiled: Compiled;
  clear: Compiled | undefined;
}

/** The times at which a window of `windowMs` moves: `windowMs + k·bucketMs` (a bucket ages out). */
interface Lattice {
  windowMs: number;
  bucketMs: number;
}

/** Timed rules checked at the same times, and their next check. */
interface Group {
  lattices: Lattice[];
  slots: TimedSlot[];
  next: number;
}

/** The windows a rule's conditions read (from `params.window`), as the times they move. */
export function latticesOf(conditions: readonly (Condition | undefined)[]): Lattice[] {
  const ms = new Set<number>();
  const walk = (c: Condition | undefined): void => {
    if (!c) return;
    if ('all' in c) c.all.forEach(walk);
    else if ('any' in c) c.any.forEach(walk);
    else if ('not' in c) walk(c.not);
    else {
      for (const p of [c.params, typeof c.value === 'object' && !Array.isArray(c.value) ? c.value.params : undefined]) {
        const w = p?.window;
        const d = typeof w === 'string' || typeof w === 'number' ? parseDuration(w) : undefined;
        if (d) ms.add(d);
      }
    }
  };
  conditions.forEach(walk);
  // The window's own bucketing, not a copy of its formula.
  return [...ms].sort((a, b) => a - b).map((windowMs) => ({ windowMs, bucketMs: new Window(windowMs).bucketMs }));
}

/**
 * Finds when time alone changes the outcome of a timed rule (one reading window statistics or a
 * sensor's age) between samples, without ticking every second. A timed rule is read — without
 * side effects, as a tick would read it — at check points between samples and just before the
 * next sample; where its outcome differs from what its alarm last saw (the condition holds but
 * the alarm neither waits nor is active, it stopped holding while the alarm waits, …), the first
 * tick at which it differs is found by bisection over the tick grid, so the change is dated to the
 * same tick as the gateway's 1 s ticking dates it.
 *
 * Check points: the last tick before and the first tick after each time one of the rule's windows
 * moves (a bucket, 1/60 of the window, ages out: a 24 h window moves every 24 minutes), and at
 * least every `stepMs` (default 1 min). Between two check points each fact the library knows is
 * either constant (window statistics) or moves one way (a sensor's age; a trend's fitted value),
 * so a rule's outcome changes at most once there, which is what the bisection assumes. What could
 * go unseen: a rule combining facts that move in opposite directions (`age > 60` and not
 * `age > 120`) that turns true and false again within less than `stepMs` with no sample of its
 * tags in between. With `stepMs` equal to the tick every tick is checked: the gateway's ticking
 * exactly.
 */
export class TimedWatch {
  private readonly slots: TimedSlot[] = [];
  private readonly groups: Group[];
  /** Rule readings made (for the replay's statistics). */
  checks = 0;

  constructor(
    rules: RuleSet,
    private readonly book: AlarmBook,
    private readonly features: Features,
    private readonly tickMs: number,
    private readonly stepMs: number,
  ) {
    const byKey = new Map<string, Group>();
    rules.engine.instances().forEach((inst, index) => {
      if (!inst.compiled.timed && !inst.clear?.timed) return;
      const slot = { index, compiled: inst.compiled, clear: inst.clear };
      this.slots.push(slot);
      const lattices = stepMs <= tickMs ? [] : latticesOf([inst.rule.conditions, inst.rule.clear]);
      const key = lattices.map((l) => l.windowMs).join(',');
      let g = byKey.get(key);
      if (!g) byKey.set(key, (g = { lattices, slots: [], next: 0 }));
      g.slots.push(slot);
    });
    this.groups = [...byKey.values()];
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * The first tick in (`from`, `to`] (both on the tick grid) at which a timed rule's outcome
   * differs from what its alarm last saw; Infinity when none does. Every rule is checked at `to`
   * (the samples that follow would hide a change before them) and at its check points in between.
   */
  firstChange(from: number, to: number): number {
    if (this.slots.length === 0 || to <= from) return Infinity;
    for (const g of this.groups) g.next = this.nextCheck(g, from, from);
    for (;;) {
      let p = to;
      for (const g of this.groups) if (g.next < p) p = g.next;
      let hit = false;
      for (const g of this.groups) {
        if (g.next > p && p < to) continue;
        g.next = this.nextCheck(g, p, from);
        if (!hit && this.changed(g.slots, p)) hit = true;
      }
      // Each rule changed at most once since `from` (see above): the first change is in (from, p].
      if (hit) return this.bisect(from, p);
      if (p >= to) return Infinity;
    }
  }

  /** The group's first check point after `x` (grid ticks counted from `grid`). */
  private nextCheck(g: Group, x: number, grid: number): number {
    const tick = this.tickMs;
    let next = x + Math.max(tick, Math.floor(this.stepMs / tick) * tick);
    for (const { windowMs: w, bucketMs: b } of g.lattices) {
      const moves = w + (Math.floor((x - w) / b) + 1) * b; // first time after x the window moves
      const at = grid + Math.ceil((moves - grid) / tick) * tick; // the tick that first sees it
      const c = at - tick > x ? at - tick : at;
      if (c < next) next = c;
    }
    return next;
  }

  /** The first tick in (lo, hi] that changes, given that `hi` does (one change in between). */
  private bisect(lo: number, hi: number): number {
    const tick = this.tickMs;
    while (hi - lo > tick) {
      const mid = lo + Math.floor((hi - lo) / tick / 2) * tick;
      if (this.changed(this.slots, mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /** Whether a tick at `now` would change the state of one of these timed rules' alarms. */
  private changed(slots: readonly TimedSlot[], now: number): boolean {
    this.features.now = now;
    for (const s of slots) {
      this.checks++;
      const bits = this.book.bitsOf(s.index);
      const waiting = (bits & ALARM.WAITING) !== 0;
      try {
        if ((bits & ALARM.ACTIVE) === 0) {
          // Inactive: waiting means an on-delay runs, i.e. the condition held when last seen.
          if (s.compiled.test() !== waiting) return true;
        } else {
          // Active: waiting means an off-delay runs, i.e. the alarm stopped holding when last seen.
          const hold = s.clear ? !s.clear.test() : s.compiled.hold();
          if (hold === waiting) return true;
        }
      } catch {
        // A rule that throws changes nothing on a tick either (the engine counts and reports it).
      }
    }
    return false;
  }
}
