/**
 * Time for everything time-dependent (backoff, on-delay, windows, PM intervals). Production code
 * uses {@link systemClock}; tests use {@link ManualClock} so they run in milliseconds and exactly.
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
