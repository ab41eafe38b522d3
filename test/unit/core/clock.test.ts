import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../src/core/clock.js';

describe('clock timers', () => {
  it('ManualClock fires a timer when time reaches it, and never once cancelled', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.timer(100, () => fired.push('a'));
    const cancelB = clock.timer(50, () => fired.push('b'));
    clock.timer(30, () => fired.push('c'));
    cancelB();
    await clock.advance(99);
    expect(fired).toEqual(['c']);
    await clock.advance(1);
    expect(fired).toEqual(['c', 'a']);
    expect(clock.pendingSleepers).toBe(0);
  });

  it('systemClock timers fire, and a cancelled one does not', async () => {
    const fired: string[] = [];
    const cancel = systemClock.timer(5, () => fired.push('cancelled'));
    cancel();
    await new Promise<void>((r) => systemClock.timer(10, () => (fired.push('kept'), r())));
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toEqual(['kept']);
  });
});
