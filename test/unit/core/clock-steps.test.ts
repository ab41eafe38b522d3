import { describe, expect, it } from 'vitest';
import { ClockStepDetector, stepSize } from '../../../src/core/clock-steps.js';

describe('wall-clock step detection', () => {
  it('reports a step when the wall clock moves by more than the monotonic clock, not jitter', () => {
    let wall = 1_000_000;
    let mono = 0;
    const d = new ClockStepDetector(() => wall, () => mono);
    const tick = (dm: number, dw = dm) => ((mono += dm), (wall += dw), d.check());
    expect(tick(1000)).toBe(0);
    expect(tick(1000, 1300)).toBe(0); // slewing, jitter: within 2 s
    expect(tick(1000, 1000 - 3_600_000)).toBe(-3_600_000); // set back an hour
    expect(tick(1000)).toBe(0);
    expect(tick(1000, 1000 + 8 * 86_400_000)).toBe(8 * 86_400_000); // eight days ahead
    expect(d.steps).toBe(2);
    expect(d.last).toEqual({ at: wall, ms: 8 * 86_400_000 });
  });
});

describe('instants set on the new clock after a step', () => {
  it('after a forward step: everything later than now - step; after a backward one: the last moments before now', async () => {
    const { setAfterStep } = await import('../../../src/core/clock-steps.js');
    const now = 1_000_000_000;
    const h = 3_600_000;
    expect(setAfterStep(now - 500, h, now)).toBe(true); // a retry time written just after the step
    expect(setAfterStep(now - h - 500, h, now)).toBe(false); // written just before it
    expect(setAfterStep(now - 500, -h, now)).toBe(true);
    expect(setAfterStep(now + h - 30_000, -h, now)).toBe(false); // half a minute before a step back
    expect(setAfterStep(now - 2 * h, -h, now)).toBe(false);
  });

  it('names a step in words: an hour back measured a little short of it is still -1.0 h', () => {
    expect(stepSize(-3_599_213)).toBe('-1.0 h'); // the CI flake: '-3599 s' before
    expect(stepSize(8 * 86_400_000)).toBe('+192.0 h');
    expect(stepSize(300_000)).toBe('+5 min');
    expect(stepSize(-3_000)).toBe('-3 s');
  });
});
