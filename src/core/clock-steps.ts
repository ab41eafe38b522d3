/**
 * Notices when the wall clock steps (an operator setting the time, NTP stepping a clock that was
 * far off, a VM resumed): between two checks the wall clock moved by a different amount than the
 * monotonic clock. Small differences are the two clocks' jitter and NTP slewing; a step is more
 * than `thresholdMs` (2 s).
 */
export class ClockStepDetector {
  private lastWall: number;
  private lastMono: number;
  /** Steps seen since start, and the latest one. */
  steps = 0;
  last: { at: number; ms: number } | undefined;

  constructor(
    private readonly wall: () => number,
    private readonly monotonic: () => number = () => performance.now(),
    private readonly thresholdMs = 2_000,
  ) {
    this.lastWall = wall();
    this.lastMono = monotonic();
  }

  /** The step since the last check in ms (positive: the wall clock jumped forward), or 0. */
  check(): number {
    const w = this.wall();
    const m = this.monotonic();
    const step = w - this.lastWall - (m - this.lastMono);
    this.lastWall = w;
    this.lastMono = m;
    if (Math.abs(step) <= this.thresholdMs) return 0;
    this.steps++;
    this.last = { at: w, ms: Math.round(step) };
    return this.last.ms;
  }
}

/**
 * Whether an instant `t` was set on the new clock after a step of `ms` detected at `now` (so it
 * must not move with the step): after a forward step, every instant set before it is at most
 * `now - ms`; after a backward one, instants set since it lie within the last moments before the
 * detection (`slackMs`, a tick or two), while those set before it mostly lie ahead of `now`.
 */
export function setAfterStep(t: number, ms: number, now: number, slackMs = 2_000): boolean {
  return ms > 0 ? t > now - ms : t >= now - slackMs && t <= now;
}

/**
 * A step's size in words: `-1.0 h`, `+5 min`, `-3 s`. A step is measured against the monotonic
 * clock, so a step of one hour reads a little under it (−3,599,2xx ms): hours from 0.95 h on,
 * minutes from one minute, else seconds.
 */
export function stepSize(ms: number): string {
  const sign = ms > 0 ? '+' : '';
  const abs = Math.abs(ms);
  if (abs >= 0.95 * 3_600_000) return `${sign}${(ms / 3_600_000).toFixed(1)} h`;
  if (abs >= 60_000) return `${sign}${Math.round(ms / 60_000)} min`;
  return `${sign}${Math.round(ms / 1000)} s`;
}
