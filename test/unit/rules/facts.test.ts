import { describe, expect, it } from 'vitest';
import { rng } from '../../../simulators/plant/model.js';
import { Baselines } from '../../../src/rules/baselines.js';
import { siteFacts, type FactBinding } from '../../../src/rules/facts.js';
import { Catalog } from '../../../src/tags/catalog.js';
import { TagState } from '../../../src/tags/tag-state.js';

const M = 60_000;
const H = 3_600_000;
const D = 24 * H;

/** One asset with a configured 10-minute tag `slow` and a tag `t` whose interval is learned. */
function site(startedAt = 0) {
  const catalog = new Catalog({
    site: { id: 's', name: 'S' },
    areas: [],
    assets: [{ id: 'a', name: 'A', class: 'pump', criticality: 'B', attributes: {}, meters: [], tags: [{ id: 't', unit: 'degC' }, { id: 'slow', unit: 'degC', interval: 10 * M }] }],
  });
  const state = new TagState(catalog);
  const facts = siteFacts({ catalog, latest: state.latest, features: state.features, meters: state.meters, baselines: new Baselines(), startedAt: () => startedAt });
  const bind = (fact: string, params: Record<string, unknown>): FactBinding => {
    const b = facts(fact, params, 'a', 'r@a');
    if (typeof b === 'string') throw new Error(b);
    return b;
  };
  const error = (fact: string, params: Record<string, unknown>) => facts(fact, params, 'a', 'r@a') as string;
  /** A good sample, as the pipeline hands it on. */
  const sample = (tag: string, ts: number, v: number) => {
    const i = catalog.tag(`a/${tag}`)!.index;
    state.latest.set(i, v, v, ts, 'Good', undefined);
    state.update(i, ts, v);
  };
  const at = (now: number, b: FactBinding) => ((state.features.now = now), b.read());
  return { bind, error, sample, at };
}

describe('staleness in reporting intervals', () => {
  it('counts age in the configured interval, from the gateway start for a sensor not heard from', () => {
    const s = site(1000);
    const age = s.bind('slow', { stat: 'age', per: 'interval' });
    expect(age).toMatchObject({ unit: 'intervals', label: 'slow.age(intervals)', timed: true });
    expect(s.at(1000 + 35 * M, age)).toBeCloseTo(3.5, 12);
    s.sample('slow', 40 * M, 1);
    expect(s.at(45 * M, age)).toBeCloseTo(0.5, 12);
    expect(s.at(45 * M, s.bind('slow', { stat: 'age' }))).toBe(300); // seconds, as before
    expect(s.at(45 * M, s.bind('slow', { stat: 'age', per: 'min' }))).toBe(5);
  });

  it('learns the interval of a tag without one; unknown until then unless a default interval stands in', () => {
    const s = site();
    const age = s.bind('t', { stat: 'age', per: 'interval' });
    const withDefault = s.bind('t', { stat: 'age', per: 'interval', defaultInterval: '20m' });
    expect(s.at(H, age)).toBeNaN(); // never heard from, no interval: no comparison holds
    expect(s.at(H, withDefault)).toBe(3); // an hour of 20-minute intervals
    for (let t = H; t <= H + 4 * 30_000; t += 30_000) s.sample('t', t, 1);
    expect(s.at(H + 4 * 30_000 + 60_000, age)).toBe(2); // learned 30 s, silent for 60 s
    expect(s.at(H + 4 * 30_000 + 60_000, withDefault)).toBe(2); // the default only stands in
  });

  it('names what is wrong with staleness params', () => {
    const s = site();
    expect(s.error('t', { stat: 'age', per: 'week' })).toBe('params.per: expected s, min, h, d or interval for stat age');
    expect(s.error('t', { stat: 'age', defaultInterval: '10m' })).toBe('params.defaultInterval: applies to stat age with per: interval');
    expect(s.error('t', { stat: 'age', per: 'interval', defaultInterval: 'soon' })).toMatch(/^params.defaultInterval: expected a duration above zero/);
    expect(s.error('t', { stat: 'avg', window: '1h', defaultInterval: '10m' })).toBe('params.defaultInterval: applies to stat age with per: interval, not to stat avg');
    expect(s.error('t', { stat: 'slope', window: '1h', per: 'interval' })).toBe('params.per: expected s, min, h or d for stat slope');
  });
});

describe('trends need their window covered', () => {
  it('leaves slope and time to limit unknown until 90 % of the window holds data, whatever the rate', () => {
    for (const period of [10_000, 10 * M, H]) {
      const s = site();
      const slope = s.bind('t', { stat: 'slope', window: '24h', per: 'd' });
      const ttl = s.bind('t', { stat: 'timeToLimit', window: '24h', limit: 95, per: 'd' });
      const loose = s.bind('t', { stat: 'slope', window: '24h', per: 'd', minCoverage: 0 });
      let first = Number.NaN;
      for (let t = 0; t <= 30 * H; t += period) {
        s.sample('t', t, 60 + t / D);
        if (Number.isNaN(first) && !Number.isNaN(s.at(t, slope))) first = t;
      }
      expect(first / H, `${period} ms sensor`).toBeGreaterThan(21);
      expect(first / H).toBeLessThan(23.5);
      expect(s.at(30 * H, slope)).toBeCloseTo(1, 6); // 1 °C a day
      expect(s.at(30 * H, ttl)).toBeCloseTo(95 - 60 - 30 / 24, 4); // days to 95 °C
      expect(s.at(4 * H, loose)).toBeCloseTo(1, 6); // minCoverage 0: as soon as there is a line
    }
  });

  it('goes blind when the sensor falls silent, and reads again once it has reported long enough', () => {
    const s = site();
    const slope = s.bind('t', { stat: 'slope', window: '24h' });
    for (let t = 0; t <= 30 * H; t += 10 * M) s.sample('t', t, 60);
    expect(s.at(30 * H, slope)).toBe(0);
    expect(s.at(34 * H, slope)).toBeNaN(); // 4 h without data: 83 % covered
  });

  it('trends daily values over complete days: no trend in a daily cycle, the rise of a slow one', () => {
    const s = site();
    const ttl = s.bind('t', { stat: 'timeToLimit', window: '7d', daily: 'max', limit: 95, per: 'd', bound: 'earliest' });
    expect(ttl.label).toBe('t.timeToLimit(95, 7d daily max)');
    const n = rng(2);
    const v = (t: number, rise: number) => 70 + 6 * Math.sin((2 * Math.PI * t) / D) + rise * Math.max(0, t / D - 10) + (n() - 0.5);
    let t = 0;
    for (; t < 6.5 * D; t += 5 * M) s.sample('t', t, v(t, 0));
    expect(s.at(t, ttl)).toBeNaN(); // 6 complete days of 7: not covered yet
    for (; t < 10 * D; t += 5 * M) s.sample('t', t, v(t, 0));
    for (let h = 0; h < 24; h += 3) expect(s.at(t + h * H, ttl), `at ${h} h`).toBeGreaterThan(20); // a steady cycle: nowhere near
    for (; t < 20 * D; t += 5 * M) s.sample('t', t, v(t, 1));
    // Daily maxima rise 1 °C a day from ~86 at day 19.5: the limit is some 9 days away, sooner at the earliest bound.
    const days = s.at(t, ttl);
    expect(days).toBeGreaterThan(6);
    expect(days).toBeLessThan(9.5);
  });

  it('names what is wrong with coverage and daily params', () => {
    const s = site();
    expect(s.error('t', { stat: 'slope', window: '24h', minCoverage: 90 })).toBe('params.minCoverage: expected a share of the window between 0 and 1, such as 0.9');
    expect(s.error('t', { stat: 'avg', window: '7d', daily: 'max' })).toBe('params.daily: applies to stat slope and timeToLimit, not to stat avg');
    expect(s.error('t', { stat: 'slope', window: '36h', daily: 'max' })).toBe('params.window: expected whole days with params.daily, at least 2d (such as 7d or 14d)');
    expect(s.error('t', { stat: 'slope', window: '7d', daily: 'median' })).toBe('params.daily: expected mean, max, min');
    expect(s.error('t', { stat: 'age', minCoverage: 0.5 })).toBe('params.minCoverage: applies to window statistics, not to stat age');
    expect(s.error('t', { stat: 'avg', window: '10m', maxBadShare: 50 })).toBe('params.maxBadShare: expected a share of the samples between 0 and 1, such as 0.5');
    expect(s.error('t', { stat: 'ewma', alpha: 0.1, maxBadShare: 0.5 })).toBe('params.maxBadShare: applies to window statistics, not to stat ewma');
    expect(s.error('t', { stat: 'slope', window: '7d', daily: 'max', maxBadShare: 0.5 })).toBe('params.maxBadShare: applies to window statistics without daily (daily values hold Good samples only)');
    expect(s.error('t', { window: '1h' })).toBe('params.window: applies to window statistics, not to stat latest');
    expect(s.error('t', { stat: 'slope', window: '1h', limit: 3 })).toBe('params.limit: applies to stat timeToLimit, not to stat slope');
  });
});
