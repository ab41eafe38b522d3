import { describe, expect, it } from 'vitest';
import { rng } from '../../../simulators/plant/model.js';
import { openStore } from '../../../src/store/db.js';
import { FeatureStore } from '../../../src/tags/feature-store.js';
import { Features } from '../../../src/tags/features.js';

const M = 60_000;
const H = 3_600_000;
const D = 24 * H;
const key = (t: number) => `a/t${t}`;

/** The features a trend, a staleness and an EWMA rule ask for, on two tags. */
function features() {
  const f = new Features(2);
  return {
    f,
    day: f.window(0, D, ['regression', 'coverage']),
    short: f.window(0, 10 * M),
    daily: f.daily(1, 7),
    iv: f.interval(1),
    ewma: f.ewma(0, 0.2),
    cusum: f.cusum(1, 50, 1, 'upper'),
  };
}

function feed(f: Features, from: number, to: number, seed: number) {
  const n = rng(seed);
  for (let t = from; t < to; t += 5 * M) {
    f.update(0, t, 60 + t / D + n());
    f.update(1, t, 50 + 3 * Math.sin(t / H) + n());
  }
}

describe('feature store', () => {
  it('a restart is not a new start: restored features read what the saved ones read, and go on alike', () => {
    const db = openStore(':memory:');
    const a = features();
    feed(a.f, 0, 9 * D, 1);
    const store = new FeatureStore(db, key);
    store.restore(a.f); // the first load: nothing saved yet
    expect(store.save(a.f, 9 * D)).toBe(6); // all but the 10-minute window; the coverage window brought tag 0's interval
    const b = features();
    expect(new FeatureStore(db, key).restore(b.f)).toEqual({ restored: 6, unfit: 0 });
    const now = 9 * D + H; // an hour down
    for (const x of [a, b]) feed(x.f, now, now + 2 * D, 2);
    const end = now + 2 * D;
    expect(b.day.coverage(end)).toBeCloseTo(a.day.coverage(end), 12);
    const [fa, fb] = [a.day.fit(end), b.day.fit(end)];
    expect(fb.n).toBe(fa.n);
    expect(fb.slope).toBeCloseTo(fa.slope, 9); // the restored totals are re-summed: the last digits differ
    expect(fb.fitted).toBeCloseTo(fa.fitted, 9);
    expect(b.daily.fit(end, 'max', 0.9)).toEqual(a.daily.fit(end, 'max', 0.9));
    expect([b.iv.value, b.ewma.value, b.cusum.value]).toEqual([a.iv.value, a.ewma.value, a.cusum.value]);
    expect(b.short.count(end)).toBe(a.short.count(end)); // refilled by itself
  });

  it('writes only what changed and is due, everything that changed at shutdown', () => {
    const db = openStore(':memory:');
    const a = features();
    const store = new FeatureStore(db, key);
    store.restore(a.f);
    feed(a.f, 0, D, 3);
    expect(store.save(a.f, D)).toBe(6);
    expect(store.save(a.f, D + M)).toBe(0); // nothing new
    a.f.update(1, D + M, 50);
    expect(store.save(a.f, D + 2 * M)).toBe(2); // tag 1: its interval and CUSUM (a minute apart); its daily values wait 10 min
    a.f.update(0, D + 2 * M, 61);
    expect(store.save(a.f, D + 3 * M, true)).toBe(4); // at shutdown: the daily values of tag 1; the 24 h window, interval and EWMA of tag 0
  });

  it('ignores a saved state that does not fit the feature asking for it, and forgets what no rule reads for 30 days', () => {
    const db = openStore(':memory:');
    db.prepare(`INSERT INTO feature_state (tag_key, feature, state, saved_at) VALUES (?, ?, ?, ?)`).run('a/t0', `window:${D}`, Buffer.from([1, 2, 3]), 0);
    db.prepare(`INSERT INTO feature_state (tag_key, feature, state, saved_at) VALUES (?, ?, ?, ?)`).run('a/t1', 'interval', Buffer.from(new Float64Array(4).buffer), 0);
    db.prepare(`INSERT INTO feature_state (tag_key, feature, state, saved_at) VALUES (?, ?, ?, ?)`).run('a/gone', 'interval', Buffer.from(new Float64Array(4).buffer), 0);
    const a = features();
    const store = new FeatureStore(db, key);
    expect(store.restore(a.f)).toEqual({ restored: 0, unfit: 2 });
    expect(a.day.count(0)).toBe(0);
    store.save(a.f, 31 * D, true);
    const left = db.prepare(`SELECT tag_key, feature FROM feature_state ORDER BY 1, 2`).all();
    expect(left).toEqual([{ tag_key: 'a/t0', feature: `window:${D}` }, { tag_key: 'a/t1', feature: 'interval' }]);
  });
});
