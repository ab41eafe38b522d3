import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, ProblemsError } from '../../../src/config/problems.js';
import { loadRules } from '../../../src/rules/load.js';
import { OPERATORS } from '../../../src/rules/schema.js';
import { oneAsset } from '../../helpers/rules.js';
import { tempDir } from '../../helpers/servers.js';

const env = oneAsset(['bearing_temp', 'vibration'], 'p-1');

/** Loads `yaml` as a rule file; returns every problem as `line: path: message`. */
function problems(yaml: string): string[] {
  const file = join(tempDir('rule-errors'), 'rules.yaml');
  writeFileSync(file, yaml);
  try {
    loadRules([file], env.catalog, env.facts, {});
  } catch (e) {
    if (!(e instanceof ProblemsError)) throw e;
    return e.problems.map((p) => formatProblem(p).slice(file.length + 1));
  }
  return [];
}

describe('rule file errors', () => {
  it('names an unknown operator, suggests the near one and lists the known ones', () => {
    const got = problems(`rules:
  - id: hot
    name: Hot
    asset: p-1
    priority: 2
    conditions: { all: [{ fact: bearing_temp, operator: greaterThen, value: 80 }] }
    workOrder: { title: Hot }
`);
    expect(got).toEqual([`6:57: rules[0].conditions.all[0].operator: unknown operator "greaterThen" (did you mean greaterThan?); expected one of ${OPERATORS.join(', ')}`]);
  });

  it('reports every problem of every rule at once: schema problems, unknown facts and cross-field checks', () => {
    const got = problems(`rules:
  - id: one
    name: One
    asset: p-1
    assets: [p-1]
    priority: 5
    conditions:
      any:
        - { fact: bearing_temp, operator: greaterThen, value: 80 }
        - { fact: vibration, operator: lessThan }
        - { fact: bearing_tmp, operator: greaterThan, value: 1 }
    workOrder: { title: One }
  - id: two
    name: Two
    asset: p-1
    priority: 2
    conditions: { fact: vibraton, operator: greaterThan, value: 7 }
    workOrder: { title: Two, colour: red }
  - id: three
    name: Three
    asset: p-1
    priority: 3
    conditions: { fact: vibraton, operator: greaterThan, value: 7 }
    workOrder: { title: Three }
`);
    expect(got).toEqual([
      '6:15: rules[0].priority: expected 1, 2, 3 or 4; got 5',
      expect.stringMatching(/^9:43: rules\[0\]\.conditions\.any\[0\]\.operator: unknown operator "greaterThen"/),
      '10:11: rules[0].conditions.any[1].value: required: expected a number, a string, a boolean, an array or an object',
      '4:12: rules[0].asset: expected exactly one of `asset`, `assets` or `selector`',
      // rule two fails its schema (an unknown key) and still has its unknown fact reported
      '18:16: rules[1].workOrder: unknown key "colour"; check the spelling against the config reference',
      expect.stringMatching(/^17:25: rules\[1\]\.conditions\.fact: unknown fact "vibraton": asset "p-1" has no such tag or meter \(known: bearing_temp, vibration\) \(asset p-1\)/),
      expect.stringMatching(/^23:25: rules\[2\]\.conditions\.fact: unknown fact "vibraton"/),
    ]);
  });

  it('a compile problem in one rule does not hide a compile problem in its clear condition or in the next rule', () => {
    const got = problems(`rules:
  - id: one
    name: One
    asset: p-1
    priority: 2
    conditions: { fact: nope, operator: greaterThan, value: 1 }
    clear: { fact: nada, operator: lessThan, value: 1 }
    workOrder: { title: One }
  - id: two
    name: Two
    asset: p-1
    priority: 2
    conditions: { fact: vibration, operator: greaterThan, value: 1, params: { stat: avg } }
    workOrder: { title: "{{value.nope}}" }
`);
    expect(got.map((p) => /^\d+:\d+: ([^:]+):/.exec(p)?.[1])).toEqual(['rules[0].conditions.fact', 'rules[0].clear.fact', 'rules[1].conditions.params', 'rules[1].workOrder.title']);
  });

  it('says what a condition looks like when it is like none of them', () => {
    const got = problems(`rules:
  - { id: one, name: One, asset: p-1, priority: 2, conditions: { every: [] }, workOrder: { title: One } }
`);
    expect(got).toEqual([expect.stringMatching(/rules\[0\]\.conditions: expected a condition: \{ all: \[\.\.\.\] \}, \{ any: \[\.\.\.\] \}, \{ not: \{\.\.\.\} \} or \{ fact, operator, value \}$/)]);
  });

  it('a file that is not a list of rules says so', () => {
    expect(problems('rule: []\n')).toEqual(['rules: required: expected array', '1:1: unknown key "rule"; check the spelling against the config reference'].map((x, i) => (i === 0 ? expect.stringContaining(x) : x)));
  });

  it('since: service on a tag is named, not read as the plain value (it counts meters from the last completed order)', () => {
    const got = problems(`rules:
  - id: hot-since
    name: Hot since service
    asset: p-1
    priority: 3
    conditions: { fact: bearing_temp, operator: greaterThan, value: 80, params: { since: service } }
    workOrder: { title: Hot }
`);
    expect(got).toEqual([expect.stringMatching(/rules\[0\]\.conditions.*params\.since: applies to meters \(this asset has none\), not to the tag "bearing_temp"/)]);
  });
});
