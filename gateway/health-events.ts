import type { Clock } from '../src/core/clock.js';
import { errorMessage } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import { HealthWatch } from '../src/insight/watch.js';
import type { EventBus } from './events.js';

/**
 * `health` events for `GET /api/events`: every `periodMs` (5 s), while anyone listens, each
 * asset's score is compared with the last one sent and the changes are published (the first
 * round after a listener comes sends every asset once). Ends with `signal`.
 */
export async function runHealthEvents(o: { clock: Clock; log: Logger; signal: AbortSignal; bus: EventBus; scores: () => { id: string; score: number }[]; periodMs?: number }): Promise<void> {
  let watch = new HealthWatch();
  while (!o.signal.aborted) {
    try {
      await o.clock.sleep(o.periodMs ?? 5_000, o.signal);
    } catch {
      break;
    }
    if (o.bus.subscribers === 0) {
      watch = new HealthWatch(); // a new listener gets every asset's score first
      continue;
    }
    try {
      for (const c of watch.changes(o.scores())) o.bus.publish('health', c);
    } catch (e) {
      o.log.warn({ err: errorMessage(e) }, 'health events: scores could not be read');
    }
  }
}
