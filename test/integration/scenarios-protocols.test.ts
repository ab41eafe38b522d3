import { describe, it } from 'vitest';
import { expectPlannerOrders, expectSameReplay, scenarioRun } from './scenarios-harness.js';

/** One plant over MQTT JSON, bare MQTT, Modbus TCP and OPC UA, run accelerated against the gateway. */
describe('scenario mixed-protocols: six machines over four protocols', () => {
  const run = scenarioRun('mixed-protocols');
  // Skipped until the library's rules carry their failure-mode groups (issue 16, h-facts): P-211's
  // bearing-temperature trend and alarm are one problem, one order.
  it.skip('orders the Bad-status sensor and the overheating motor, nothing else', () => expectPlannerOrders(run()));
  it.skip('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario modbus-word-order: a float served word-swapped over Modbus TCP', () => {
  const run = scenarioRun('modbus-word-order');
  // Skipped until issue 16 lands, and one more gap besides: the garbage the gateway decodes is
  // mostly outside the tag's range (Bad) but sometimes inside it, so the stale-sensor alarm
  // clears and raises again and again, each raise a new order (issue 16: one open order per
  // problem); and in-range garbage raised ISO zone C/D orders, which no issue covers yet (a
  // plausibility check such as a rate-of-change limit: reported to the lead).
  it.skip('makes at most one sensor order and no machine order from nonsense', () => expectPlannerOrders(run()));
  // Skipped with it: the flapping alarm's order count depends on when the gateway ticks.
  it.skip('replaying its recording gives the same orders', () => expectSameReplay(run()));
});
