import { describe, expect, it } from 'vitest';
import { EventBus, type GatewayEvent } from '../../../gateway/events.js';
import { runHealthEvents } from '../../../gateway/health-events.js';
import { ManualClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';

describe('health events', () => {
  it('while someone listens, sends every score once, then only the changes', async () => {
    const clock = new ManualClock(0);
    const bus = new EventBus();
    const ctl = new AbortController();
    const scores = [{ id: 'p-1', score: 100 }, { id: 'p-2', score: 80 }];
    let reads = 0;
    const loop = runHealthEvents({ clock, log: silentLogger, signal: ctl.signal, bus, scores: () => (reads++, scores.map((s) => ({ ...s }))) });
    await clock.advance(5_000);
    expect(reads).toBe(0); // nobody listens: nothing is read
    const got: GatewayEvent[] = [];
    bus.subscribe((e) => got.push(e));
    await clock.advance(5_000);
    expect(got.map((e) => e.data)).toEqual([{ asset: 'p-1', score: 100, previous: undefined }, { asset: 'p-2', score: 80, previous: undefined }]);
    scores[1]!.score = 55;
    await clock.advance(5_000);
    expect(got.slice(2).map((e) => e.data)).toEqual([{ asset: 'p-2', score: 55, previous: 80 }]);
    await clock.advance(5_000);
    expect(got).toHaveLength(3);
    ctl.abort();
    await loop;
  });
});
