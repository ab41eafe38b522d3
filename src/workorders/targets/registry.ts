import type { TargetConfig } from '../../config/schema.js';
import type { WorkOrderTarget } from '../target.js';
import { WebhookTarget } from './webhook.js';

/** Every built-in work-order target, in one place. */
const builtins: { [K in TargetConfig['type']]: (cfg: Extract<TargetConfig, { type: K }>) => WorkOrderTarget } = {
  webhook: (cfg) => new WebhookTarget(cfg),
};

export function createTarget(cfg: TargetConfig): WorkOrderTarget {
  const make = builtins[cfg.type] as (c: TargetConfig) => WorkOrderTarget;
  return make(cfg);
}
