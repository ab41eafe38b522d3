import type { Clock } from '../../core/clock.js';
import type { FastPublishPath } from './fast-publish.js';

/** What the watch keeps of one connection. */
export interface Watched {
  /** The fast path's read state (undefined: the connection is aedes's alone, and not watched). */
  path: FastPublishPath | undefined;
  /** The path's `completed` at the last look of the read timeout, and how many looks in a row saw no progress. */
  lastCompleted: number;
  stalls: number;
  /** Paused for the message rate until the next second (aedes reads nothing from it). */
  paused: boolean;
  /** Lets aedes read the connection again. */
  resume: (() => void) | undefined;
}

export const watched = (): Watched => ({ path: undefined, lastCompleted: 0, stalls: 0, paused: false, resume: undefined });

/** The embedded broker's timers over its connections: the read timeout and the message rate. */
export class ConnectionWatch {
  readonly live = new Set<Watched>();
  private cancels: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly readTimeout: number,
    private readonly messageRate: number,
  ) {}

  start(): void {
    this.every(Math.max(1, Math.floor(this.readTimeout / 2)), () => this.lookForStalls());
    if (this.messageRate > 0) this.every(1000, () => this.refill());
  }

  stop(): void {
    for (const c of this.cancels) c();
    this.cancels = [];
  }

  private every(ms: number, fn: () => void): void {
    const slot = this.cancels.length;
    const tick = () => {
      fn();
      this.cancels[slot] = this.clock.timer(ms, tick);
    };
    this.cancels.push(this.clock.timer(ms, tick));
  }

  /**
   * Closes connections that hold an incomplete packet for longer than `readTimeout`: without it a
   * client with keep-alive 0 could hold a half-sent packet (and its memory) open forever (aedes's
   * keep-alive counts whole packets, and 0 turns it off). Looks every half timeout; a connection
   * that made no progress on a held packet for three looks in a row (more than the timeout, at
   * most 1.5 times it) is refused like a malformed packet, and closed.
   */
  private lookForStalls(): void {
    for (const c of this.live) {
      const p = c.path;
      if (!p || p.held === 0 || p.completed !== c.lastCompleted) {
        c.stalls = 0;
        if (p) c.lastCompleted = p.completed;
        continue;
      }
      if (++c.stalls >= 3) p.refuse(new Error(`a packet was not completed within ${this.readTimeout} ms (${p.held} bytes held)`));
    }
  }

  /**
   * The message rate's clock: every second each connection gets `messageRate` PUBLISH packets
   * again; one that was paused parses what waited and is read from again (unless that used its
   * budget up). A flooding client is slowed by TCP flow control, not dropped, and cannot starve
   * the others.
   */
  private refill(): void {
    for (const c of this.live) {
      if (!c.path) continue;
      const still = c.path.resume(this.messageRate);
      if (c.paused && !still) {
        c.paused = false;
        c.resume?.();
      }
    }
  }
}
