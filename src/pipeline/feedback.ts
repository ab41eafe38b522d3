import type { Clock } from '../core/clock.js';
import type { OrderStatusEvent } from '../workorders/status.js';
import type { Stages } from './stages.js';

/**
 * The loop back from the CMMS. Any status report tells the work-order stage the order is known
 * there; a completed or cancelled one frees its failure-mode group (the next episode orders anew),
 * and a completed one restarts the rule's "since service" meters. The rule is evaluated at once,
 * so a PM alarm whose meter restarted clears without waiting for a sample. Status events are
 * values of the work-order stage; this is the one place they reach back to the rule stage.
 */
export function orderStatusFeedback(s: Pick<Stages, 'orderStatus' | 'rules' | 'pipeline' | 'resetBaselines'>, clock: Clock): (e: OrderStatusEvent) => void {
  return (e) => {
    const status = e.update.status;
    s.orderStatus(e.order.id, status);
    if (status !== 'completed' && status !== 'cancelled') return;
    const key = `${e.order.ruleId}@${e.order.assetId}`;
    if (status === 'completed') s.resetBaselines(key);
    s.rules.reevaluate(key, clock.now());
    s.pipeline.flush();
  };
}
