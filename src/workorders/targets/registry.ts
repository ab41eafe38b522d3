import type { TargetConfig } from '../../config/schema.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { WorkOrderTarget } from '../target.js';
import { MonitoredTarget } from './health.js';
import { WebhookTarget } from './webhook.js';
import { MqttTarget } from './mqtt.js';
import { MaximoTarget } from './maximo.js';
import { SapTarget } from './sap.js';
import { MaintainxTarget } from './maintainx.js';

/** Every built-in work-order target, in one place. */
const builtins: { [K in TargetConfig['type']]: (cfg: Extract<TargetConfig, { type: K }>) => WorkOrderTarget } = {
  webhook: (cfg) => new WebhookTarget(cfg),
  mqtt: (cfg) => new MqttTarget(cfg),
  maximo: (cfg) => new MaximoTarget(cfg),
  sap: (cfg) => new SapTarget(cfg),
  maintainx: (cfg) => new MaintainxTarget(cfg),
};

/** A target from its config, its health recorded on the gateway's clock (see {@link MonitoredTarget}). */
export function createTarget(cfg: TargetConfig, clock: Pick<Clock, 'now'> = systemClock): MonitoredTarget {
  const make = builtins[cfg.type] as (c: TargetConfig) => WorkOrderTarget;
  return new MonitoredTarget(make(cfg), clock);
}
