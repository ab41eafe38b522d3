import type { ManualClock } from '../core/clock.js';
import type { AlarmCommands } from '../pipeline/commands.js';
import type { Stages } from '../pipeline/stages.js';
import { TimedWatch } from './timed-watch.js';

/** An operator action at a given time, e.g. a shelve. */
export interface ReplayAction {
  ts: number;
  do: (c: AlarmCommands) => void;
}

export interface ClockworkOptions {
  /** The gateway's tick period (time-driven rules, delays, shelve expiry). */
  tickMs: number;
  /**
   * `events` (default): advance from one time at which something can change to the next.
   * `ticks`: tick every `tickMs`, as the gateway does (the reference the other is tested against).
   */
  mode: 'events' | 'ticks';
  /** Longest time between checks of timed rules in `events` mode (a multiple of the tick). */
  timedStepMs: number;
}

/**
 * Moves a replay's time forward as the gateway's ticker would: ticks on the grid `t0 + k·tickMs`,
 * operator actions at their times, each before the tick at the same time, and both before the
 * samples at that time. In `events` mode it visits only the ticks at which something can change:
 * an on- or off-delay, a shelve or chattering that ends ({@link AlarmBook.nextDue}), or a timed
 * rule whose outcome time alone changes ({@link TimedWatch}); a tick at any other time changes
 * nothing (every alarm would step with the outcome it already has).
 */
export class Clockwork {
  /** Every grid tick up to here is done (ticked, or passed because nothing was due). */
  private lastGrid: number;
  private readonly actions: ReplayAction[];
  private readonly watch: TimedWatch | undefined;
  /** Ticks actually run. */
  ticks = 0;

  constructor(
    private readonly stages: Pick<Stages, 'pipeline' | 'book' | 'rules' | 'tags'>,
    private readonly clock: ManualClock,
    private readonly commands: AlarmCommands,
    t0: number,
    actions: readonly ReplayAction[],
    private readonly o: ClockworkOptions,
  ) {
    this.lastGrid = t0;
    this.actions = [...actions].sort((a, b) => a.ts - b.ts);
    if (o.mode === 'events') this.watch = new TimedWatch(stages.rules, stages.book, stages.tags.features, o.tickMs, o.timedStepMs);
  }

  get timedChecks(): number {
    return this.watch?.checks ?? 0;
  }

  /** The last grid tick at or before `t`. */
  private floorGrid(t: number): number {
    return this.lastGrid + Math.floor((t - this.lastGrid) / this.o.tickMs) * this.o.tickMs;
  }

  /** The first grid tick after `lastGrid` at or after `t`. */
  private ceilGrid(t: number): number {
    if (t <= this.lastGrid) return this.lastGrid + this.o.tickMs;
    return this.lastGrid + Math.ceil((t - this.lastGrid) / this.o.tickMs) * this.o.tickMs;
  }

  /** The next grid tick in (lastGrid, limit] at which something may change; Infinity when none. */
  private nextTick(limit: number): number {
    if (limit <= this.lastGrid) return Infinity;
    if (this.o.mode === 'ticks') return this.lastGrid + this.o.tickMs;
    let g = this.ceilGrid(this.stages.book.nextDue());
    if (g > limit) g = Infinity;
    const timed = this.watch!.firstChange(this.lastGrid, Math.min(g, limit));
    return Math.min(g, timed);
  }

  /** Runs what is due up to `t` (actions, ticks), then sets the clock to `t` for the samples at `t`. */
  advanceTo(t: number): void {
    const { pipeline } = this.stages;
    const limit = this.floorGrid(t);
    for (;;) {
      const g = this.nextTick(limit);
      const a = this.actions[0];
      if (a && a.ts <= t && a.ts <= g) {
        this.actions.shift();
        this.clock.set(a.ts);
        a.do(this.commands);
        pipeline.flush();
        // Ticks before the action are done; the one at its time comes after it.
        const before = this.floorGrid(a.ts - 1);
        if (before > this.lastGrid) this.lastGrid = before;
        continue;
      }
      if (g === Infinity) break;
      this.clock.set(g);
      pipeline.tick(g);
      this.ticks++;
      this.lastGrid = g;
    }
    if (limit > this.lastGrid) this.lastGrid = limit;
    this.clock.set(t);
  }
}
