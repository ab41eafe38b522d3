import type { Clock } from '../core/clock.js';
import type { OrderStatusEvent } from '../workorders/status.js';
import type { Stages } from './stages.js';

/**
 * The loop back from the CMMS: a completed or cancelled order re-arms its alarm (a rule with
 * `rearm: completion` may order again), and a completed one restarts the rule's "since service"
 * meters; the rule is evaluated at once, so a PM alarm whose meter restarted clears without
 * waiting for a sample. Status events are values of the work-order stage; this is the one place
 * they reach back to the alarm and rule stages.
 */
export function orderStatusFeedback(s: Pick<Stages, 'book' | 'rules' | 'pipeline' | 'resetBaselines'>, clock: Clock): (e: OrderStatusEvent) => void {
  return (e) => {
    const status = e.update.status;
    if (status !== 'completed' && status !== 'cancelled') return;
    const key = `${e.order.ruleId}@${e.order.assetId}`;
    if (!s.book.rearm(key, clock.now(), `cmms:${e.source}`)) return;
    if (status === 'completed') s.resetBaselines(key);
    s.rules.reevaluate(key, clock.now());
    s.pipeline.flush();
  };
}
