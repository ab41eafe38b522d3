import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { compileCondition, CompileError } from '../../../src/rules/compile.js';
import { OPERATORS, type Condition } from '../../../src/rules/schema.js';
import { rng } from '../../../simulators/plant/model.js';
import { oneAsset } from '../../helpers/rules.js';

const FACTS = ['a', 'b', 'c'];
const VALUES = [0, 1, 2, 3, 4.5];

function randomCondition(r: () => number, depth: number): Condition {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const k = depth > 0 ? r() : 1;
  if (k < 0.25) return { all: Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomCondition(r, depth - 1)) };
  if (k < 0.5) return { any: Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomCondition(r, depth - 1)) };
  if (k < 0.6) return { not: randomCondition(r, depth - 1) };
  const operator = pick(OPERATORS);
  if (operator === 'in' || operator === 'notIn') return { fact: pick(FACTS), operator, value: VALUES.filter(() => r() < 0.5) };
  if (r() < 0.15) return { fact: pick(FACTS), operator, value: { fact: pick(FACTS) } };
  return { fact: pick(FACTS), operator, value: pick(VALUES) };
}

describe('compiled conditions', () => {
  it('agree with json-rules-engine on 3,000 random conditions and inputs', async () => {
    const r = rng(7);
    const env = oneAsset(FACTS);
    let trues = 0;
    for (let i = 0; i < 3000; i++) {
      const cond = randomCondition(r, 3);
      const top = 'all' in cond || 'any' in cond || 'not' in cond ? cond : { all: [cond] };
      const facts: Record<string, number> = {};
      for (const f of FACTS) {
        facts[f] = VALUES[Math.floor(r() * VALUES.length)]!;
        env.set(f, facts[f]!);
      }
      const ours = compileCondition(top, env.asset.id, env.facts).test();
      const engine = new Engine([{ conditions: top as never, event: { type: 'hit' } }]);
      const { events } = await engine.run(facts);
      expect({ cond: top, facts, result: ours }).toEqual({ cond: top, facts, result: events.length === 1 });
      if (ours) trues++;
    }
    // Both outcomes are well represented, so the agreement means something.
    expect(trues).toBeGreaterThan(600);
    expect(trues).toBeLessThan(2400);
  });

  it('relaxes numeric limits by the deadband for holding an active alarm', () => {
    const env = oneAsset(['t']);
    const c = compileCondition({ all: [{ fact: 't', operator: 'greaterThan', value: 80 }] }, env.asset.id, env.facts, 5);
    env.set('t', 78);
    expect([c.test(), c.hold()]).toEqual([false, true]);
    env.set('t', 75);
    expect([c.test(), c.hold()]).toEqual([false, false]);
    const n = compileCondition({ not: { fact: 't', operator: 'lessThan', value: 10 } }, env.asset.id, env.facts, 2);
    env.set('t', 9); // not (t < 10) is false; hold relaxes to not (t < 8): still held
    expect([n.test(), n.hold()]).toEqual([false, true]);
  });

  it('treats a tag with no value yet as unknown: no comparison holds', () => {
    const env = oneAsset(['t']);
    for (const op of OPERATORS) {
      const value = op === 'in' || op === 'notIn' ? [1, 2] : 1;
      expect(compileCondition({ fact: 't', operator: op, value }, env.asset.id, env.facts).test()).toBe(false);
    }
  });

  it('reports unknown facts and wrong values with their path', () => {
    const env = oneAsset(['t']);
    const err = (c: Condition) => {
      try {
        compileCondition(c, env.asset.id, env.facts);
      } catch (e) {
        return e as CompileError;
      }
      throw new Error('expected a compile error');
    };
    expect(err({ all: [{ fact: 't', operator: 'equal', value: 1 }, { fact: 'nope', operator: 'equal', value: 1 }] })).toMatchObject({
      path: ['all', 1, 'fact'],
      message: expect.stringMatching(/unknown fact "nope".*known: t/),
    });
    expect(err({ fact: 't', operator: 'greaterThan', value: 'hot' })).toMatchObject({ path: ['value'] });
    expect(err({ fact: 't', operator: 'in', value: 3 })).toMatchObject({ message: expect.stringMatching(/list/) });
  });
});
