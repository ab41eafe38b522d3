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
  it('orders the worn bearing once, days before its 85 °C alarm, and nothing for the healthy pumps', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});

describe('scenario normal-operation: thirty days of healthy machines under the whole library', () => {
  const run = scenarioRun('normal-operation');
  // Trends read daily maxima over 14 days at the slowest plausible rate: the morning warm-up and
  // a mixer motor standing still at weekends are no trend.
  it('makes no order', () => expectPlannerOrders(run()));
  it('replaying its recording gives the same orders', () => expectSameReplay(run()));
});
