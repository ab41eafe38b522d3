import { describe, expect, it } from 'vitest';
import { AlarmBook, policyOf } from '../../../src/alarms/book.js';
import * as L from '../../../src/alarms/lifecycle.js';
import { RuleEngine } from '../../../src/rules/engine.js';
import type { RuleHitSink } from '../../../src/rules/hits.js';
import { rng } from '../../../simulators/plant/model.js';
import { instance, oneAsset } from '../../helpers/rules.js';

/**
 * The engine's inline threshold path (typed arrays, skipped for quiet alarms) must change nothing:
 * compare its transitions with stepping every rule through the lifecycle on every sample.
 */
describe('rule engine inline thresholds', () => {
  it.each([
    ['several rules per tag (CSR path)', 24, false, 'one'],
    ['one rule per tag (single-threshold path)', 3, false, 'one'],
    ['window averages, several per tag', 24, true, 'one'],
    ['window averages, one per tag', 3, true, 'one'],
    ['any of 2-3 thresholds, values and window averages', 24, true, 'any'],
    ['all of 2-3 thresholds, values and window averages', 24, true, 'all'],
    ['any of 2-3 thresholds on values', 24, false, 'any'],
  ] as const)('%s: same alarm transitions as evaluating every rule every time', (_name, ruleCount, windowed, shape) => {
    const env = oneAsset(['a', 'b', 'c']);
    const ops = ['greaterThan', 'greaterThanInclusive', 'lessThan', 'lessThanInclusive'] as const;
    const r = rng(5);
    // In groups, every other leaf reads a window (when windowed): a tag and its trend, as the bench's rules.
    const leaf = (i: number, j: number) => ({ fact: ['a', 'b', 'c'][(i + j) % 3]!, operator: ops[(i + j) % 4]!, value: Math.round(r() * 10), ...(windowed && (shape === 'one' || j % 2 === 1) ? { params: { stat: 'avg', window: '5s' } } : {}) });
    const conditions = (i: number) => (shape === 'one' ? { all: [leaf(i, 0)] } : { [shape]: Array.from({ length: 2 + (i % 2) }, (_, j) => leaf(i, j)) });
    const insts = Array.from({ length: ruleCount }, (_, i) =>
      instance(
        {
          id: `r${i}`,
          conditions: conditions(i) as never,
          deadband: i % 2,
          onDelay: (i % 3) * 1000,
          chatter: { count: 1000, window: 60_000 },
        },
        env,
      ),
    );
    const book = new AlarmBook();
    const engine = new RuleEngine(env.catalog.tags.length, env.latest.num);
    engine.load(insts, book);

    const ref = insts.map((inst) => ({ inst, s: L.initialAlarmState(), p: policyOf(inst.rule) }));
    const refOut: string[] = [];
    const got: string[] = [];
    for (let k = 0; k < 5000; k++) {
      const tag = ['a', 'b', 'c'][Math.floor(r() * 3)]!;
      const ts = k * 500;
      const v = Math.round(r() * 12 * 2) / 2;
      env.set(tag, v, ts);
      const idx = env.catalog.tag(`a-1/${tag}`)!.index;
      env.features.now = ts;
      env.features.update(idx, ts, v);
      engine.evaluate(idx, ts);
      got.push(...book.drain().map((t) => `${ts} ${t.ruleId} ${t.change}`));
      for (const x of ref) {
        if (!x.inst.compiled.tags.has(idx)) continue;
        const out: L.Emitted[] = [];
        L.stepAlarm(x.s, x.inst.compiled.test(), x.s.active ? x.inst.compiled.hold() : false, ts, x.p, out);
        refOut.push(...out.map((e) => `${ts} ${x.inst.rule.id} ${e.change}`));
      }
    }
    expect(insts.filter((i) => (shape === 'one' ? i.compiled.simple : i.compiled.group?.mode === shape)).length).toBe(ruleCount);
    expect(got.length).toBeGreaterThan(ruleCount * 20);
    expect(got).toEqual(refOut);
  });
});

describe('rule engine inline groups', () => {
  it.each(['any', 'all'] as const)('settles a quiet "%s of a value and its 1-minute average above a limit" without the closures', (mode) => {
    const env = oneAsset(['t0', 't1']);
    const inst = instance(
      { id: 'hot', conditions: { [mode]: [{ fact: 't0', operator: 'greaterThan', value: 90 }, { fact: 't1', operator: 'greaterThan', value: 90, params: { stat: 'avg', window: '1m' } }] } as never },
      env,
    );
    const book = new AlarmBook();
    const engine = new RuleEngine(env.catalog.tags.length, env.latest.num);
    engine.load([inst], book);
    expect(inst.compiled.group?.mode).toBe(mode);
    const r = rng(3);
    // One message of both tags every 100 ms (same timestamp), values 20-80: the bench's load.
    for (let k = 0; k < 2000; k++) {
      const ts = k * 100;
      for (const tag of ['t0', 't1']) {
        const v = 20 + r() * 60;
        env.set(tag, v, ts);
        const idx = env.catalog.tag(`a-1/${tag}`)!.index;
        env.features.now = ts;
        env.features.update(idx, ts, v);
        engine.evaluate(idx, ts);
      }
    }
    expect(engine.evaluations).toBe(4000);
    // Only a t0 sample in a second the t1 window has not been fed yet needs the closures.
    expect(engine.runs).toBeLessThan(engine.evaluations / 10);
    expect(book.drain()).toEqual([]);
  });
});

describe('rule engine tick in steps', () => {
  it('makes the same transitions as one tick, yielding between steps', () => {
    const env = oneAsset(['a', 'b', 'c']);
    const r = rng(9);
    const insts = Array.from({ length: 300 }, (_, i) =>
      instance(
        {
          id: `r${i}`,
          conditions: { any: [{ fact: ['a', 'b', 'c'][i % 3]!, operator: 'greaterThan', value: 4 + (i % 5), params: { stat: 'avg', window: '5s' } }] },
          onDelay: (i % 3) * 1000,
          chatter: { count: 1000, window: 60_000 },
        },
        env,
      ),
    );
    const books = [new AlarmBook(), new AlarmBook()];
    const whole = new RuleEngine(env.catalog.tags.length, env.latest.num);
    const stepped = new RuleEngine(env.catalog.tags.length, env.latest.num);
    whole.load(insts, books[0]!);
    stepped.load(insts, books[1]!);
    const a: string[] = [];
    const b: string[] = [];
    let yields = 0;
    for (let k = 0; k < 400; k++) {
      const ts = k * 250;
      const tag = ['a', 'b', 'c'][k % 3]!;
      const v = Math.round(r() * 12);
      env.set(tag, v, ts);
      const idx = env.catalog.tag(`a-1/${tag}`)!.index;
      env.features.now = ts;
      env.features.update(idx, ts, v);
      if (k % 4 === 3) {
        whole.tick(ts);
        for (const _ of stepped.tickSteps(ts, 50)) yields++;
        a.push(...books[0]!.drain().map((t) => `${ts} ${t.ruleId} ${t.change}`));
        b.push(...books[1]!.drain().map((t) => `${ts} ${t.ruleId} ${t.change}`));
      }
    }
    expect(yields).toBeGreaterThanOrEqual(100 * 5); // 300 timed rules in steps of 50, 100 ticks
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
  });
});

describe('rule engine before its first rule set', () => {
  it('takes samples and ticks as having no rules to evaluate', () => {
    const env = oneAsset(['a', 'b']);
    const book = new AlarmBook();
    const engine = new RuleEngine(env.catalog.tags.length, env.latest.num);
    env.set('a', 95, 1000);
    for (let t = 0; t < env.catalog.tags.length; t++) engine.evaluate(t, 1000);
    engine.tick(2000);
    expect(engine.evaluations).toBe(0);
    expect(book.hasPending()).toBe(false);
  });
});

describe('rule engine containment', () => {
  it('an instance whose evaluation throws is reported once and skipped; the others go on', () => {
    const env = oneAsset(['a']);
    const insts = ['r0', 'r1'].map((id) => instance({ id, conditions: { all: [{ fact: 'a', operator: 'greaterThan', value: 5 }] } }, env));
    const book = new AlarmBook();
    // The alarm stage fails for r0 (as a raise that cannot build its evidence did).
    const sink: RuleHitSink = {
      bind: (s) => book.bind(s),
      hit: (slot, raise, hold, ts) => {
        if (slot === 0) throw new RangeError('Invalid time value');
        return book.hit(slot, raise, hold, ts);
      },
      evidence: (slot, ev) => book.evidence(slot, ev),
      expire: (slot, ts) => book.expire(slot, ts),
    };
    const errors: string[] = [];
    const engine = new RuleEngine(env.catalog.tags.length, env.latest.num, (key, err) => errors.push(`${key}: ${(err as Error).message}`));
    engine.load(insts, sink);
    const idx = env.catalog.tag('a-1/a')!.index;
    for (const [ts, v] of [[100_000, 9], [200_000, 1], [300_000, 9]] as const) {
      env.set('a', v, ts);
      engine.evaluate(idx, ts);
    }
    expect(book.drain().map((t) => `${t.ruleId} ${t.change}`)).toEqual(['r1 raised', 'r1 cleared', 'r1 raised']);
    expect(errors).toEqual(['r0@a-1: Invalid time value']);
    expect(engine.errors).toBe(2); // the sample at 1 found r0 quiet and below its limit: nothing to evaluate
  });
});
