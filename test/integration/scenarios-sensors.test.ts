import { describe, it } from 'vitest';
import { expectPlannerOrders, expectSameReplay, scenarioRun } from './scenarios-harness.js';

/**
 * Sensor faults, run accelerated against an in-process gateway on the plant's ScaledClock (see
 * scenarios-harness.ts): the orders must be what the scenario says a planner wants.
 */
describe('scenario chattering-sensor: a loose connector jumps across the alarm limit', () => {
  const run = scenarioRun('chattering-sensor');
  it('makes at most one order (ISA-18.2 chattering holds the rest back)', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario dither-at-limit: a bearing temperature hunting across its limit every six minutes', () => {
  const run = scenarioRun('dither-at-limit');
  // Each swing passes the on-delay and clears, too slow for the 3-a-minute chattering check: the
  // open order of the rule takes the later episodes as updates (one order per problem).
  it('makes at most one order', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario stuck-and-dropout-sensors: a frozen vibration reading and a silent PT100', () => {
  const run = scenarioRun('stuck-and-dropout-sensors');
  it('makes one sensor order for each, soon after it happens, and none for the healthy motor', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario slow-wireless-sensors: wireless sensors reporting every 15 to 60 minutes', () => {
  const run = scenarioRun('slow-wireless-sensors');
  // Staleness counts the sensor's own reporting interval, so an hourly sensor is not stale at 5 minutes.
  it('makes no order while the sensors report on schedule', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});
