import { runningAt, type ScheduleSpec } from './environment.js';

const H = 3_600_000;
const STEP = 60_000;

/**
 * Run hours and starts as a machine's own controller counts them (a PLC or motor-protection
 * relay counter), from the schedule: pure functions of time, kept fast by hourly checkpoints
 * from `origin`, so any time can be asked in any order.
 */
export class UsageCounter {
  private readonly hours: number[] = [0];
  private readonly starts: number[] = [0];
  private readonly running: boolean[];

  constructor(
    private readonly schedule: ScheduleSpec,
    private readonly origin: number,
    private readonly initialHours = 0,
    private readonly initialStarts = 0,
  ) {
    this.running = [runningAt(schedule, origin)];
  }

  /** Run hours and starts at `t` (before the origin: the initial values). */
  at(t: number): { runHours: number; starts: number } {
    if (t <= this.origin) return { runHours: this.initialHours, starts: this.initialStarts };
    const k = Math.floor((t - this.origin) / H);
    while (this.hours.length <= k) {
      const i = this.hours.length - 1;
      const r = this.walk(this.origin + i * H, this.origin + (i + 1) * H, this.hours[i]!, this.starts[i]!, this.running[i]!);
      this.hours.push(r.hours);
      this.starts.push(r.starts);
      this.running.push(r.running);
    }
    const r = this.walk(this.origin + k * H, t, this.hours[k]!, this.starts[k]!, this.running[k]!);
    return { runHours: this.initialHours + r.hours, starts: this.initialStarts + r.starts };
  }

  private walk(from: number, to: number, hours: number, starts: number, running: boolean): { hours: number; starts: number; running: boolean } {
    for (let t = from; t < to; t += STEP) {
      const dt = Math.min(STEP, to - t);
      const on = runningAt(this.schedule, t);
      if (on && !running) starts++;
      if (on) hours += dt / H;
      running = on;
    }
    return { hours, starts, running };
  }
}
