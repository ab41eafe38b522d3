import { describe, it } from 'vitest';
import { expectPlannerOrders, expectSameReplay, scenarioRun } from './scenarios-harness.js';

/** Machines wearing out, and a month of nothing wrong, run accelerated against the gateway. */
describe('scenario clogging-filter: an AHU bag filter loading with dust over three weeks', () => {
  const run = scenarioRun('clogging-filter');
  it('orders one filter change before the final pressure drop, nothing for the clean unit', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario run-hour-pm: a compressor (24/7) and a motor (20 h a day) reach 2,000 run hours', () => {
  const run = scenarioRun('run-hour-pm');
  it('orders each 2,000 h service within an hour of the run-hour mark', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario bearing-wear: one pump bearing wears out over three weeks', () => {
  const run = scenarioRun('bearing-wear');
  // Skipped until issue 16 lands: "daily load cycles read as degradation" (bearing-temp-trend
  // orders on every healthy pump within hours of start and again most mornings: the 24 h window's
  // guard is a sample count) and "a creeping signal re-opens its order" (the worn bearing's
  // zone C/D and trend alarms raise and clear for days, each raise a new order; no consolidation).
  it('orders the worn bearing once, days before its 85 °C alarm, and nothing for the healthy pumps', () => expectPlannerOrders(run()));
  // Skipped with it: the orders of those flapping alarms depend on when the gateway ticks, so live
  // and replayed counts differ until one problem makes one order (issue 16).
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario normal-operation: thirty days of healthy machines under the whole library', () => {
  const run = scenarioRun('normal-operation');
  // Skipped until issue 16 lands: "daily load cycles read as degradation". The library's
  // bearing-temp-trend extrapolates each morning's warm-up to 95 °C: orders on day 1 and after.
  it('makes no order', () => expectPlannerOrders(run()));
  // Skipped with it: those daily trend alarms flap, and their count depends on the tick.
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});
