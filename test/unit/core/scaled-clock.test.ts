import { describe, expect, it } from 'vitest';
import { ManualClock, ScaledClock } from '../../../src/core/clock.js';

/** The wall clock is a ManualClock here, so every figure is exact and no test waits. */
describe('ScaledClock', () => {
  const origin = Date.UTC(2026, 0, 5);

  it('runs `scale` times faster than the wall clock from its origin', async () => {
    const wall = new ManualClock(1_000_000);
    const c = new ScaledClock({ origin, scale: 3600, wall });
    expect(c.now()).toBe(origin);
    await wall.advance(1000);
    expect(c.now()).toBe(origin + 3_600_000);
    await wall.advance(0.5);
    expect(c.now()).toBe(origin + 3_601_800);
  });

  it('sleeps and timers take simulated ms and wait ms / scale of wall time', async () => {
    const wall = new ManualClock(0);
    const c = new ScaledClock({ origin, scale: 1000, wall });
    const woke: string[] = [];
    void c.sleep(60_000).then(() => woke.push('sleep 1 min'));
    const cancel = c.timer(10_000, () => woke.push('cancelled timer'));
    c.timer(5_000, () => woke.push('timer 5 s'));
    cancel();
    await wall.advance(5);
    expect(woke).toEqual(['timer 5 s']);
    await wall.advance(54);
    expect(woke).toEqual(['timer 5 s']);
    await wall.advance(1);
    expect(woke).toEqual(['timer 5 s', 'sleep 1 min']);
    expect(c.now()).toBe(origin + 60_000);
  });

  it('an aborted sleep rejects with the reason', async () => {
    const c = new ScaledClock({ origin, scale: 10, wall: new ManualClock(0) });
    const ctl = new AbortController();
    const p = c.sleep(1000, ctl.signal);
    ctl.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });

  it('a held clock stands at its origin until released, then runs from the release', async () => {
    const wall = new ManualClock(0);
    const c = new ScaledClock({ origin, scale: 100, wall, held: true });
    await wall.advance(500);
    expect(c.held).toBe(true);
    expect(c.now()).toBe(origin);
    c.release();
    expect(c.held).toBe(false);
    await wall.advance(10);
    expect(c.now()).toBe(origin + 1000);
  });

  it('two clocks with the same origin, scale and anchor read the same time (two processes)', async () => {
    const wall = new ManualClock(50_000);
    const a = new ScaledClock({ origin, scale: 60, wall, anchor: 52_000 });
    await wall.advance(1000);
    const b = new ScaledClock({ origin, scale: 60, wall, anchor: 52_000 });
    // Before the anchor, time runs at wall speed toward the origin: no standstill, no jump.
    expect(a.now()).toBe(origin - 1000);
    expect(b.now()).toBe(a.now());
    await wall.advance(1000);
    expect(a.now()).toBe(origin);
    await wall.advance(1500);
    expect(a.now()).toBe(origin + 90_000);
    expect(b.now()).toBe(a.now());
  });

  it('a sleep across the anchor wakes when the clock reads its end, not a scaled or unscaled wall time later', async () => {
    const wall = new ManualClock(0);
    const c = new ScaledClock({ origin, scale: 100, wall, anchor: 1000 });
    let woke = false;
    // 1,000 ms at wall speed up to the anchor, then 59,000 ms of plant time at 100x: 590 ms more.
    void c.sleep(60_000).then(() => (woke = true));
    await wall.advance(1589);
    expect(woke).toBe(false);
    await wall.advance(1);
    expect(woke).toBe(true);
    expect(c.now()).toBe(origin + 59_000);
  });

  it('refuses a scale that is not a positive number', () => {
    expect(() => new ScaledClock({ origin, scale: 0 })).toThrow(/scale/);
    expect(() => new ScaledClock({ origin, scale: Number.NaN })).toThrow(/scale/);
  });

  it('on the system clock, reads close to its origin at first and moves forward', async () => {
    const c = new ScaledClock({ origin, scale: 1000 });
    const t0 = c.now();
    await c.sleep(20_000);
    expect(t0).toBeGreaterThanOrEqual(origin);
    expect(c.now()).toBeGreaterThan(t0);
  });
});
