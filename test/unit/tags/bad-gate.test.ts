import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/db.js';
import { FeatureStore } from '../../../src/tags/feature-store.js';
import { Features } from '../../../src/tags/features.js';
import { Window } from '../../../src/tags/window.js';

const S = 1000;
const M = 60_000;
const H = 3_600_000;

/**
 * A 10-minute window (60 buckets of 10 s) fed one sample a minute, as the Modbus word-order
 * scenario feeds its pump's vibration: `g` a Good value, `b` a Bad sample (counted, value dropped).
 */
function feed(w: Window, from: number, pattern: string, good: number[]): void {
  let k = 0;
  [...pattern].forEach((c, i) => (c === 'g' ? w.add(from + i * M, good[k++ % good.length]!) : w.addBad(from + i * M)));
}

describe('Bad counts per window bucket (the data-quality gate)', () => {
  it('a window of mostly Bad samples is not good enough at the default half; its Good ones still average', () => {
    const w = new Window(10 * M);
    // 10 samples: the garbage that happened to fall in range (17.16, 0.99) among 8 Bad ones.
    feed(w, 0, 'bbbgbbbbgb', [17.16, 0.99]);
    const now = 9 * M;
    expect(w.count(now)).toBe(2);
    expect(w.badCount(now)).toBe(8);
    expect(w.avg(now)).toBeCloseTo(9.075, 12); // the statistic itself knows nothing of Bad samples
    expect(w.goodEnough(now, 0.5)).toBe(false); // 80 % Bad
    expect(w.goodEnough(now, 0.8)).toBe(true); // "more than": 80 % is not more than 80 %
    expect(w.goodEnough(now, 0.79)).toBe(false);
  });

  it('a few Bad samples leave the statistic of the Good ones', () => {
    const w = new Window(10 * M);
    feed(w, 0, 'ggbggggbgg', [2, 2.2, 2.4, 2.6]);
    const now = 9 * M;
    expect(w.badCount(now)).toBe(2);
    expect(w.goodEnough(now, 0.5)).toBe(true);
    expect(w.count(now)).toBe(8);
    expect(w.avg(now)).toBeCloseTo((2 + 2.2 + 2.4 + 2.6) / 4, 12);
    // Exactly half Bad is not more than half.
    const half = new Window(10 * M);
    feed(half, 0, 'gbgbgbgbgb', [3]);
    expect(half.goodEnough(now, 0.5)).toBe(true);
    half.addBad(now);
    expect(half.goodEnough(now, 0.5)).toBe(false);
  });

  it('a window that never took a Bad sample counts none and is always good enough', () => {
    const w = new Window(10 * M);
    feed(w, 0, 'gggggggggg', [1, 2, 3]);
    expect(w.badCount(9 * M)).toBe(0);
    expect(w.goodEnough(9 * M, 0)).toBe(true);
    // Only Bad samples: nothing Good to read, and not good enough (unless every share is allowed).
    const bad = new Window(10 * M);
    feed(bad, 0, 'bbb', []);
    expect([bad.goodEnough(2 * M, 0.5), bad.goodEnough(2 * M, 1), bad.avg(2 * M)]).toEqual([false, true, Number.NaN]);
  });

  it('Bad samples age out bucket by bucket as the window moves on, and the gate opens again', () => {
    const w = new Window(10 * M); // buckets of 10 s
    feed(w, 0, 'bbbbbbbbbb', []); // 0 .. 9 min
    feed(w, 10 * M, 'ggggg', [4]); // 10 .. 14 min
    // At 14 min the window reaches back to 4 min: Bad at 4..9 (6) against Good 10..14 (5).
    expect(w.badCount(14 * M)).toBe(6);
    expect(w.goodEnough(14 * M, 0.5)).toBe(false);
    // The bucket holding the cut is kept, as for Good samples: at 14:09.999 the one at 4:00 still counts...
    expect(w.badCount(14 * M + 9 * S + 999)).toBe(6);
    // ...from 14:10 it is out: 5 Bad of 10 is not more than half.
    expect(w.badCount(14 * M + 10 * S)).toBe(5);
    expect(w.goodEnough(14 * M + 10 * S, 0.5)).toBe(true);
    expect(w.avg(14 * M + 10 * S)).toBe(4);
    // A Bad sample 61 buckets after the one at 0:00 takes its ring slot: counted afresh, not added to it.
    w.addBad(61 * 10 * S);
    expect(w.badCount(61 * 10 * S + 10 * M - 1)).toBe(1);
    w.addBad(24 * H);
    expect(w.badCount(24 * H)).toBe(1);
    // One older than anything the ring holds is ignored, not counted in a slot of a newer bucket.
    w.addBad(24 * H - 11 * M);
    expect(w.badCount(24 * H)).toBe(1);
  });
});

describe('Bad counts across a restart', () => {
  it('a snapshot holds them; one without them (as every earlier snapshot) restores as no Bad samples', () => {
    const a = new Window(H, ['extremes']);
    feed(a, 0, 'gbgbbbgbbb', [10, 20, 30]);
    const now = 9 * M;
    const snap = a.snapshot();
    expect(snap[0]).toBe(3); // the format with Bad counts
    const b = new Window(H, ['extremes']);
    expect(b.restore(snap)).toBe(true);
    expect([b.badCount(now), b.goodEnough(now, 0.5), b.max_(now), b.changeMark()]).toEqual([7, false, 30, a.changeMark()]);

    // A window that never took a Bad sample writes the earlier format (2), byte for byte as before
    // the counts existed: header, then the buckets.
    const plain = new Window(H, ['extremes']);
    feed(plain, 0, 'ggg', [5]);
    const old = plain.snapshot();
    expect([old[0], old.length]).toEqual([2, 8 + 61 * 5]);
    // Restored over a window that had counted Bad samples: the snapshot says none, so none.
    expect(b.restore(old)).toBe(true);
    expect([b.badCount(now), b.goodEnough(now, 0), b.avg(now)]).toEqual([0, true, 5]);
    // A format-2 snapshot with Bad counts appended, or one cut short, does not fit.
    const forged = Float64Array.from(snap);
    forged[0] = 2;
    expect(new Window(H, ['extremes']).restore(forged)).toBe(false);
    expect(new Window(H, ['extremes']).restore(snap.subarray(0, snap.length - 1))).toBe(false);
  });

  it('the feature store saves a window that took only Bad samples since its last save, and restores it', () => {
    const db = openStore(':memory:');
    const key = (t: number) => `a/t${t}`;
    const f = new Features(1);
    const w = f.window(0, H);
    const store = new FeatureStore(db, key);
    store.restore(f);
    f.update(0, 0, 1);
    expect(store.save(f, M)).toBe(1);
    f.bad(0, 2 * M);
    f.bad(0, 3 * M);
    expect(store.save(f, 5 * M)).toBe(1); // the Bad samples changed it
    expect(store.save(f, 10 * M)).toBe(0); // nothing since
    const g = new Features(1);
    const v = g.window(0, H);
    expect(new FeatureStore(db, key).restore(g)).toEqual({ restored: 1, unfit: 0 });
    expect([v.badCount(5 * M), v.count(5 * M), v.goodEnough(5 * M, 0.5)]).toEqual([2, 1, false]);
    expect(w.badCount(5 * M)).toBe(2);
  });

  it('Features counts a Bad sample in every window of its tag and nowhere else', () => {
    const f = new Features(2);
    const short = f.window(0, 10 * M);
    const long = f.window(0, H);
    const other = f.window(1, 10 * M);
    const e = f.ewma(0, 0.5);
    f.update(0, 0, 4);
    f.bad(0, M);
    expect([short.badCount(M), long.badCount(M), other.badCount(M), e.value]).toEqual([1, 1, 0, 4]);
  });
});
