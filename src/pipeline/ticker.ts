import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Stages } from './stages.js';

/** Every how many ticks the usage meters are saved. */
const METER_SAVE_TICKS = 10;
/** Every how many ticks tag features (windows, intervals) are offered a save; each is written when due. */
const FEATURE_SAVE_TICKS = 60;

/**
 * Time-driven work, once a `periodMs` (1 s): a wall-clock step check, timed rules (windows,
 * staleness), on/off delays, shelve expiry, chattering; usage meters to SQLite every ten ticks, tag features every sixty.
 * A tick runs in steps with the event loop free in between, so samples keep flowing during a long tick. Ends with `signal`.
 */
export async function runTicker(
  s: Pick<Stages, 'pipeline' | 'saveMeters' | 'saveFeatures'>,
  /** `checkClock`: looks for a wall-clock step first (the composition root's; see Stages.clockStepped). */
  o: { clock: Clock; log: Logger; signal: AbortSignal; periodMs?: number; checkClock?: () => void },
): Promise<void> {
  let n = 0;
  while (!o.signal.aborted) {
    try {
      await o.clock.sleep(o.periodMs ?? 1000, o.signal);
    } catch {
      break;
    }
    try {
      o.checkClock?.();
      for (const _ of s.pipeline.tickSteps(o.clock.now())) await new Promise((r) => setImmediate(r));
      if (++n % METER_SAVE_TICKS === 0) s.saveMeters(o.clock.now());
      if (n % FEATURE_SAVE_TICKS === 0) s.saveFeatures(o.clock.now());
    } catch (e) {
      o.log.error({ err: errorMessage(e) }, 'tick failed');
    }
  }
}
