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

/**
 * Logs a problem the first time a key is seen and counts the rest, so a sensor sending garbage
 * at 100 Hz costs one log line, not a flood. The counts stay readable for the API and metrics.
 */
export class OnceLogger {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly maxKeys = 10_000,
  ) {}

  warn(key: string, obj: object, msg: string): void {
    const n = this.seen.get(key);
    if (n !== undefined) {
      this.seen.set(key, n + 1);
      return;
    }
    if (this.seen.size >= this.maxKeys) this.seen.clear();
    this.seen.set(key, 1);
    this.log.warn({ ...obj, key }, `${msg} (logged once; further occurrences are counted)`);
  }

  /** Forgets a key, so its next occurrence logs again (e.g. after a connection recovered). */
  reset(key: string): void {
    this.seen.delete(key);
  }

  count(key: string): number {
    return this.seen.get(key) ?? 0;
  }
}
