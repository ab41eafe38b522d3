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
  // Skipped until issue 16 lands (lead: un-skip then): "a slow dither escapes the chattering
  // check". Each 3-minute swing passes the on-delay and clears, 2 transitions in 6 minutes never
  // trip the 3-a-minute check, and every raise after a clear re-arms: 60 orders in 6 hours.
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
  // Skipped until issue 16 lands: "slow sensors look stale". The library's stale rules use a
  // fixed 5-minute age, so a sensor reporting every 15-60 minutes goes stale before every
  // sample and back after it, each episode a new order (hundreds a week for healthy pumps).
  it('makes no order while the sensors report on schedule', () => expectPlannerOrders(run()));
  // Skipped with it: the live gateway ticks every ~2 plant minutes at this time scale and the
  // replay every 10 s, so the number of stale episodes differs; both converge once staleness
  // follows the sensor's interval (issue 16).
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});
