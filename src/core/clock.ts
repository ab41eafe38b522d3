/**
 * Time for everything time-dependent (backoff, on-delay, windows, PM intervals). Production code
 * uses {@link systemClock}; tests use {@link ManualClock} so they run in milliseconds and exactly;
 * simulated plants that run weeks in minutes use {@link ScaledClock}.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `cb` after `ms` unless cancelled first (the returned function). For waits cut short
   * often, e.g. the dispatcher's idle wait that every committed order ends: no AbortController
   * and promise per wait.
   */
  timer(ms: number, cb: () => void): () => void;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        clearTimeout(t);
        reject(abortReason(signal!));
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  timer(ms, cb) {
    const t = setTimeout(cb, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

export interface ScaledClockOptions {
  /** The simulated instant (ms since the epoch) at which the clock starts running. */
  origin: number;
  /** Simulated milliseconds per wall-clock millisecond (3600: an hour a second). */
  scale: number;
  /**
   * The wall-clock instant (ms since the epoch) at which simulated time reads `origin` and starts
   * running `scale` times faster; default now. Before it, time runs at wall speed toward
   * `origin`, so processes started a little early see no standstill. Two processes given the
   * same origin, scale and anchor read the same time.
   */
  anchor?: number;
  /**
   * Start held: time stands at `origin` (and sleeps are scaled) until {@link ScaledClock.release}:
   * for a gateway and a plant in one process that must both be ready first.
   */
  held?: boolean;
  /** The wall clock it scales: `now()` in ms since the epoch, sleeps and timers in wall ms. Default the system clock. */
  wall?: Clock;
}

/**
 * Accelerated time for simulated plants: a month of wear in minutes. `now()` runs `scale` times
 * faster than the wall clock from `origin`; `sleep` and `timer` take simulated milliseconds and
 * wait `ms / scale` of wall time, so a gateway's ticks, on-delays, polls and staleness keep their
 * meaning in plant time. Sub-millisecond wall precision (`performance.now`) keeps `now()` smooth
 * at high scales. Protocol timing on the wire (OPC UA publishing, HTTP timeouts) stays wall time.
 */
export class ScaledClock implements Clock {
  readonly origin: number;
  readonly scale: number;
  private anchor: number;
  private readonly wall: Clock;
  /** Wall time as fractional ms since the epoch: `performance` when scaling the system clock. */
  private readonly wallNow: () => number;

  constructor(o: ScaledClockOptions) {
    if (!(o.scale > 0) || !Number.isFinite(o.scale)) throw new RangeError(`ScaledClock: scale must be a positive number, got ${o.scale}`);
    if (!Number.isFinite(o.origin)) throw new RangeError(`ScaledClock: origin must be a time in ms, got ${o.origin}`);
    this.origin = o.origin;
    this.scale = o.scale;
    this.wall = o.wall ?? systemClock;
    this.wallNow = o.wall ? () => o.wall!.now() : () => performance.timeOrigin + performance.now();
    this.anchor = o.held ? Infinity : o.anchor ?? this.wallNow();
  }

  now(): number {
    const w = this.wallNow();
    if (this.anchor === Infinity) return this.origin;
    return w <= this.anchor ? this.origin - (this.anchor - w) : this.origin + (w - this.anchor) * this.scale;
  }

  /** Wall ms from now until the clock reads `t`. */
  private wallUntil(t: number): number {
    const w = this.wallNow();
    if (this.anchor === Infinity) return (t - this.origin) / this.scale;
    const at = t <= this.origin ? this.anchor - (this.origin - t) : this.anchor + (t - this.origin) / this.scale;
    return at - w;
  }

  /** True until the anchor is reached (or, for a held clock, released). */
  get held(): boolean {
    return this.wallNow() < this.anchor;
  }

  /** Simulated ms per wall ms just now: 1 before the anchor, `scale` after it. */
  private rate(): number {
    return this.anchor !== Infinity && this.wallNow() < this.anchor ? 1 : this.scale;
  }

  /** Lets a held clock run from `origin`, starting at the wall instant `at` (default now). */
  release(at?: number): void {
    this.anchor = at ?? this.wallNow();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.wall.sleep(this.wallFor(ms), signal);
  }

  timer(ms: number, cb: () => void): () => void {
    return this.wall.timer(this.wallFor(ms), cb);
  }

  /** Wall ms for `ms` of simulated time from now, across the anchor if it lies between. */
  private wallFor(ms: number): number {
    const d = Math.max(0, ms);
    return this.rate() === 1 && this.scale !== 1 ? Math.max(0, this.wallUntil(this.now() + d)) : d / this.scale;
  }
}

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** A clock that only moves when told to. `advance` wakes sleepers in time order. */
export class ManualClock implements Clock {
  private t: number;
  private sleepers: Sleeper[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const s: Sleeper = { at: this.t + Math.max(0, ms), resolve };
      this.sleepers.push(s);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          reject(abortReason(signal));
        },
        { once: true },
      );
    });
  }

  timer(ms: number, cb: () => void): () => void {
    const s: Sleeper = { at: this.t + Math.max(0, ms), resolve: cb };
    this.sleepers.push(s);
    return () => {
      this.sleepers = this.sleepers.filter((x) => x !== s);
    };
  }

  /** Moves time forward by `ms`, resolving every sleeper that is due, and lets their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (let n = 0; ; n++) {
      if (n > 100_000) throw new Error('ManualClock.advance: more than 100,000 wake-ups; is something sleeping 0 ms in a loop?');
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (!next || next.at > target) break;
      this.sleepers.shift();
      this.t = next.at;
      next.resolve();
      await flushMicrotasks();
    }
    this.t = target;
    await flushMicrotasks();
  }

  set(t: number): void {
    this.t = t;
  }

  get pendingSleepers(): number {
    return this.sleepers.length;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
