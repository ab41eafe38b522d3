import { describe, expect, it } from 'vitest';
import { LatestValues } from '../../../src/tags/latest.js';

describe('latest values', () => {
  it('gives back each tag the value it last got, whatever its type, and nothing before the first', () => {
    const l = new LatestValues(3);
    expect(l.get(0)).toBeUndefined();
    l.set(0, 51.5, 51.5, 1000, 'Good', undefined);
    l.set(1, 'RUN', Number.NaN, 1000, 'Good', undefined);
    expect(l.get(0)).toEqual({ value: 51.5, ts: 1000, quality: 'Good', reason: undefined });
    expect(l.get(1)).toEqual({ value: 'RUN', ts: 1000, quality: 'Good', reason: undefined });
    // A tag changing type (a sensor sending "fault" in place of a number, then numbers again).
    l.set(0, 'fault', Number.NaN, 2000, 'Uncertain', 'text');
    expect(l.get(0)).toEqual({ value: 'fault', ts: 2000, quality: 'Uncertain', reason: 'text' });
    l.set(0, -0.25, -0.25, 3000, 'Good', undefined);
    expect(l.get(0)).toEqual({ value: -0.25, ts: 3000, quality: 'Good', reason: undefined });
    l.set(1, true, 1, 3000, 'Good', undefined);
    expect(l.get(1)?.value).toBe(true);
    l.set(1, 0, 0, 4000, 'Good', undefined);
    expect(l.get(1)?.value).toBe(0);
    expect(l.get(2)).toBeUndefined();
  });

  it('keeps the rules on the last usable number while a Bad sample is shown', () => {
    const l = new LatestValues(1);
    l.set(0, 40, 40, 1000, 'Good', undefined);
    l.set(0, 250, 250, 2000, 'Bad', 'out_of_range');
    expect(l.get(0)).toEqual({ value: 250, ts: 2000, quality: 'Bad', reason: 'out_of_range' });
    expect(l.num[0]).toBe(40);
    expect(l.lastGoodTs[0]).toBe(1000);
  });
});
