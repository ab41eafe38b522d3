import { describe, it } from 'vitest';
import { expectPlannerOrders, expectSameReplay, scenarioRun } from './scenarios-harness.js';

/** One plant over MQTT JSON, bare MQTT, Modbus TCP and OPC UA, run accelerated against the gateway. */
describe('scenario mixed-protocols: six machines over four protocols', () => {
  const run = scenarioRun('mixed-protocols');
  it('orders the Bad-status sensor and the overheating motor, nothing else', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});
