import { describe, it } from 'vitest';
import { expectPlannerOrders, expectSameReplay, scenarioRun } from './scenarios-harness.js';

/** One plant over MQTT JSON, bare MQTT, Modbus TCP and OPC UA, run accelerated against the gateway. */
describe('scenario mixed-protocols: six machines over four protocols', () => {
  const run = scenarioRun('mixed-protocols');
  // P-211's bearing-temperature trend and alarm share the group bearing-condition: one order.
  it('orders the Bad-status sensor and the overheating motor, nothing else', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario modbus-word-order: a float served word-swapped over Modbus TCP', () => {
  const run = scenarioRun('modbus-word-order');
  // The in-range garbage is outnumbered by the Bad samples around it: the zone averages are
  // unknown (OPC UA Part 13's PercentDataBad gate), so no zone order; the flapping stale-sensor
  // alarm makes one order (consolidation, issue 16).
  it('makes at most one sensor order and no machine order from nonsense', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});
