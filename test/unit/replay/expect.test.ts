import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, ProblemsError } from '../../../src/config/problems.js';
import type { ReplayEvent } from '../../../src/replay/events.js';
import { formatExpectResult, matchOrders, readExpectations } from '../../../src/replay/expect.js';
import { tempDir } from '../../helpers/servers.js';

const T0 = Date.parse('2026-01-05T00:00:00Z');
const H = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();

function file(name: string, text: string): string {
  const f = join(tempDir('expect'), name);
  writeFileSync(f, text);
  return f;
}

function order(t: number, asset: string, rule: string, priority = 3): ReplayEvent {
  return { type: 'workorder', ts: iso(t), asset, rule, priority, episode: 1, title: 't' };
}

function problems(f: string): string[] {
  try {
    readExpectations(f, T0);
  } catch (e) {
    if (e instanceof ProblemsError) return e.problems.map((p) => formatProblem(p).slice(f.length + 1));
    throw e;
  }
  return [];
}

describe('expected orders', () => {
  it('reads YAML: at ± tolerance, after/before windows (open on one side), times relative to the first sample', () => {
    const f = file(
      'expect.yaml',
      `# what this rule set must order on the recorded failure
orders:
  - { asset: p-1, rule: trend, priority: 3, after: +6h, before: +1d }
  - { asset: p-1, rule: trip, at: 2026-01-08T14:20:00Z, tolerance: 5m }
  - { asset: p-1, rule: alarm, after: "2026-01-06T00:00:00Z" }
  - { asset: p-2, rule: stale, at: 1767571200 }
`,
    );
    expect(readExpectations(f, T0)).toEqual([
      { asset: 'p-1', rule: 'trend', priority: 3, from: T0 + 6 * H, to: T0 + 24 * H, file: f, line: 3 },
      { asset: 'p-1', rule: 'trip', priority: undefined, from: Date.parse('2026-01-08T14:15:00Z'), to: Date.parse('2026-01-08T14:25:00Z'), file: f, line: 4 },
      { asset: 'p-1', rule: 'alarm', priority: undefined, from: Date.parse('2026-01-06T00:00:00Z'), to: Infinity, file: f, line: 5 },
      { asset: 'p-2', rule: 'stale', priority: undefined, from: T0, to: T0, file: f, line: 6 },
    ]);
  });

  it('reads NDJSON, including the lines `rules test --json` prints (work orders expected, other lines skipped)', () => {
    const f = file(
      'expected.ndjson',
      [
        '{"type":"alarm","ts":"2026-01-05T12:40:00.000Z","rule":"trend","asset":"p-1","priority":3,"episode":1,"change":"raised","state":"unacknowledged"}',
        '{"type":"workorder","ts":"2026-01-05T12:40:00.000Z","rule":"trend","asset":"p-1","priority":3,"episode":1,"title":"Pump: trending"}',
        '{"type":"scorecard","workOrders":1}',
        '{"asset":"p-1","rule":"trip","at":"+3d","tolerance":"1h"}',
      ].join('\n'),
    );
    expect(readExpectations(f, T0).map((x) => [x.rule, x.priority, iso(x.from), iso(x.to), x.line])).toEqual([
      ['trend', 3, '2026-01-05T12:40:00.000Z', '2026-01-05T12:40:00.000Z', 2],
      ['trip', undefined, '2026-01-07T23:00:00.000Z', '2026-01-08T01:00:00.000Z', 4],
    ]);
  });

  it('reports every problem with its line: unknown keys, bad priorities and times, at with a window', () => {
    expect(
      problems(
        file(
          'bad.yaml',
          `orders:
  - { asset: p-1, rule: trip, priority: 5 }
  - { asset: p-1, rule: trip, at: +3x }
  - { asset: p-1, rule: trip, tolerence: 5m }
  - { asset: p-1, rule: trip, at: +1h, before: +2h }
`,
        ),
      ),
    ).toEqual([
      '2:41: orders[0].priority: expected 1, 2, 3 or 4; got 5',
      '4:5: orders[2]: unknown key "tolerence"; check the spelling against the config reference',
      '5:35: orders[3].at: expected either at (± tolerance) or after/before, not both',
      '3:5: orders[1]: cannot read "+3x": expected +<duration> after the first sample, such as +36h or +2d',
    ]);
    expect(problems(file('bad.ndjson', '{"asset":"p-1","rule":"trip"}\nnot json\n{"asset":"p-1"}\n'))).toEqual([expect.stringMatching(/^2:1: not JSON/), '3:1: rule: required: expected string']);
  });

  it('pairs each expectation with one order in its window; lists what is missing and what nobody expected', () => {
    const expected = readExpectations(
      file(
        'e.yaml',
        `orders:
  - { asset: p-1, rule: hot, after: +1h, before: +3h }
  - { asset: p-1, rule: hot, after: +1h, before: +2h }
  - { asset: p-1, rule: trip, priority: 1 }
  - { asset: p-2, rule: hot }
`,
      ),
      T0,
    );
    // hot at +1.5h and +2.5h: the narrower window takes the first, the wider the second
    const ok = matchOrders('e.yaml', expected.slice(0, 2), [order(T0 + 1.5 * H, 'p-1', 'hot'), order(T0 + 2.5 * H, 'p-1', 'hot')]);
    expect(ok).toMatchObject({ ok: true, expected: 2, matched: 2, missing: [], unexpected: [] });
    const r = matchOrders('e.yaml', expected, [order(T0 + 1.5 * H, 'p-1', 'hot'), order(T0 + 5 * H, 'p-1', 'hot'), order(T0 + 6 * H, 'p-1', 'trip', 2), order(T0 + 7 * H, 'p-2', 'hot')]);
    expect(r.ok).toBe(false);
    expect(r.matched).toBe(2);
    expect(r.missing).toEqual([
      { asset: 'p-1', rule: 'hot', priority: undefined, from: iso(T0 + H), to: iso(T0 + 3 * H), line: 2 },
      { asset: 'p-1', rule: 'trip', priority: 1, from: undefined, to: undefined, line: 4 },
    ]);
    expect(r.unexpected.map((u) => [u.rule, u.ts])).toEqual([
      ['hot', iso(T0 + 5 * H)],
      ['trip', iso(T0 + 6 * H)],
    ]);
    const text = formatExpectResult(r);
    expect(text).toContain('2 of 4 found, 2 unexpected: MISMATCH');
    expect(text).toContain(`missing     p-1  hot  between ${iso(T0 + H)} and ${iso(T0 + 3 * H)}  (line 2)`);
    expect(text).toContain('missing     p-1  trip  P1  at any time  (line 4)');
    expect(text).toContain(`unexpected  ${iso(T0 + 6 * H)}  p-1  trip  P2  #1`);
  });

  it('an empty list expects no order at all', () => {
    const none = readExpectations(file('none.yaml', 'orders: []\n'), T0);
    expect(matchOrders('none.yaml', none, []).ok).toBe(true);
    expect(matchOrders('none.yaml', none, [order(T0, 'p-1', 'hot')]).unexpected).toHaveLength(1);
  });
});
