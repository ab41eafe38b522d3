import type { Clock } from './clock.js';

/** The logging surface the engine needs; the gateway passes pino, tests pass {@link silentLogger} or a recorder. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** Time for the log rate limit: processing time, not the plant's (a test's manual clock may stand still). */
const monotonicTimer: Pick<Clock, 'now' | 'timer'> = {
  now: () => performance.now(),
  timer(ms, cb) {
    const t = setTimeout(cb, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface OnceLoggerOptions {
  /** Keys remembered; beyond it the memory starts afresh (keys come from payloads: bounded). Default 10,000. */
  maxKeys?: number;
  /** Lines per cause per interval. Default 1. */
  burst?: number;
  /** The interval (ms). Default 60 s. */
  interval?: number;
  /** Default: `performance.now` and unref'd timers. */
  clock?: Pick<Clock, 'now' | 'timer'>;
}

interface Cause {
  /** Start of the current interval (clock ms). */
  since: number;
  lines: number;
  suppressed: number;
  /** A few of the suppressed keys, for the summary line. */
  examples: string[];
  msg: string;
  cancel: (() => void) | undefined;
}

const EXAMPLES = 5;

/**
 * Logs a problem the first time a key is seen and counts the rest, so a sensor sending garbage
 * at 100 Hz costs one log line, not a flood. Keys read `<cause>:<subject>` (`unknown:p-1/temp`,
 * `malformed:plant/p-1`): beyond `burst` first sightings per cause and interval, further new keys
 * of that cause are counted and summed up in one line when the interval ends ("9,999 more …,
 * e.g. …"), so a message with 10,000 unknown fields writes two lines, not 10,000. The counts per
 * key stay readable for the API and metrics.
 */
export class OnceLogger {
  private readonly seen = new Map<string, number>();
  private readonly causes = new Map<string, Cause>();
  private readonly maxKeys: number;
  private readonly burst: number;
  private readonly interval: number;
  private readonly clock: Pick<Clock, 'now' | 'timer'>;

  constructor(
    private readonly log: Logger,
    opts: OnceLoggerOptions = {},
  ) {
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.burst = opts.burst ?? 1;
    this.interval = opts.interval ?? 60_000;
    this.clock = opts.clock ?? monotonicTimer;
  }

  warn(key: string, obj: object, msg: string): void {
    const n = this.seen.get(key);
    if (n !== undefined) {
      this.seen.set(key, n + 1);
      return;
    }
    if (this.seen.size >= this.maxKeys) this.seen.clear();
    this.seen.set(key, 1);
    const colon = key.indexOf(':');
    const cause = colon < 0 ? key : key.slice(0, colon);
    const now = this.clock.now();
    let c = this.causes.get(cause);
    if (c === undefined) this.causes.set(cause, (c = { since: now, lines: 0, suppressed: 0, examples: [], msg, cancel: undefined }));
    else if (now - c.since >= this.interval && c.suppressed === 0) (c.since = now), (c.lines = 0);
    if (c.lines < this.burst) {
      c.lines++;
      this.log.warn({ ...obj, key }, `${msg} (logged once; further occurrences are counted)`);
      return;
    }
    c.suppressed++;
    c.msg = msg;
    if (c.examples.length < EXAMPLES) c.examples.push(key);
    c.cancel ??= this.clock.timer(Math.max(0, c.since + this.interval - now), () => this.summarise(cause));
  }

  /** The line for what a cause's interval suppressed; the next interval starts now. */
  private summarise(cause: string): void {
    const c = this.causes.get(cause);
    if (!c) return;
    c.cancel = undefined;
    if (c.suppressed > 0) {
      const secs = Math.round(this.interval / 1000);
      this.log.warn(
        { cause, suppressed: c.suppressed, examples: c.examples },
        `${c.msg}: ${c.suppressed} more like it in the last ${secs} s (e.g. ${c.examples.join(', ')}); one line per cause and ${secs} s, each counted`,
      );
    }
    c.since = this.clock.now();
    c.lines = 0;
    c.suppressed = 0;
    c.examples = [];
  }

  /** Forgets a key, so its next occurrence logs again (e.g. after a connection recovered). */
  reset(key: string): void {
    this.seen.delete(key);
  }

  count(key: string): number {
    return this.seen.get(key) ?? 0;
  }
}
