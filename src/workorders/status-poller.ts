import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { OrderStatusBook } from './status.js';
import type { WorkOrderTarget } from './target.js';

export interface StatusPollerOptions {
  book: OrderStatusBook;
  targets: ReadonlyMap<string, WorkOrderTarget>;
  clock: Clock;
  log: Logger;
  /** Between two rounds (ms); 0 disables polling. */
  interval: number;
  /** Open orders asked about per target and round. */
  batch?: number;
}

/**
 * Asks every target that can read orders back (`pollStatus`) about the orders delivered to it and
 * not yet closed, every `interval`, and records what changed through the {@link OrderStatusBook}
 * (so listeners fire exactly as for the inbound endpoint). A target that fails is logged and
 * asked again next round; it never stops the others.
 */
export class StatusPoller {
  rounds = 0;
  updates = 0;
  errors = 0;
  private readonly stopCtl = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: StatusPollerOptions) {}

  start(): void {
    if (this.o.interval <= 0 || ![...this.o.targets.values()].some((t) => t.pollStatus)) return;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopCtl.abort();
    await this.loop;
  }

  /** One round over every polling target (tests call it directly). */
  async pollOnce(): Promise<number> {
    let n = 0;
    for (const t of this.o.targets.values()) {
      if (!t.pollStatus || this.stopCtl.signal.aborted) continue;
      const open = this.o.book.open(t.id, this.o.batch ?? 500);
      if (open.length === 0) continue;
      try {
        for (const u of await t.pollStatus(open, this.stopCtl.signal)) {
          const r = this.o.book.apply({ idempotencyKey: u.idempotencyKey || undefined, externalId: u.externalId }, u, 'poll');
          if (r?.result === 'applied') n++;
        }
      } catch (e) {
        this.errors++;
        if (!this.stopCtl.signal.aborted) this.o.log.warn({ target: t.id, open: open.length, err: errorMessage(e) }, 'status poll failed; asking again next round');
      }
    }
    this.rounds++;
    this.updates += n;
    return n;
  }

  private async run(): Promise<void> {
    const stop = this.stopCtl.signal;
    while (!stop.aborted) {
      try {
        await this.o.clock.sleep(this.o.interval, stop);
      } catch {
        return; // stopping
      }
      await this.pollOnce();
    }
  }
}
