import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { siteConfigSchema } from '../../../src/config/schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Stages } from '../../../src/pipeline/stages.js';
import { openStore } from '../../../src/store/db.js';
import { pumpSite } from '../../helpers/gateway.js';
import { tempDir } from '../../helpers/servers.js';

const S = 1000;
const M = 60_000;

/**
 * One pump (vibration range 0–100 mm/s) through the real pipeline, with an ISO 10816 zone D style
 * rule on the 10-minute average (and whatever else `params` add), ticking every 10 s as it goes.
 * `run(pattern, value)`: one sample a minute, `g` Good at `value(i)`, `b` a garbage value outside
 * the range (so Bad), `-` none.
 */
function setup(params: Record<string, unknown> = {}, rule: Record<string, unknown> = {}) {
  const site = siteConfigSchema.parse({ ...pumpSite(1), rules: [] });
  const file = join(tempDir('quality-gate'), 'rules.yaml');
  writeFileSync(
    file,
    stringify({
      rules: [
        {
          id: 'zone-d', name: 'Zone D', selector: { class: 'pump' }, priority: 1,
          conditions: { all: [{ fact: 'vibration', operator: 'greaterThan', value: 4.5, params: { stat: 'avg', window: '10m', ...params } }] },
          deadband: 0.3, onDelay: '1m', offDelay: '2m', workOrder: { title: 'Severe vibration' }, ...rule,
        },
      ],
    }),
  );
  const t0 = Date.UTC(2026, 4, 11, 6);
  const clock = new ManualClock(t0);
  const stages = new Stages({ config: site, db: openStore(':memory:'), clock, log: silentLogger, startedAt: t0, targetIds: () => [] });
  stages.loadRules([file]);
  const { pipeline, book } = stages;
  const active = () => book.list('p-1')[0]!.state.active;
  /** Whether the alarm was active after each minute's sample and ticks. */
  const run = (pattern: string, value: (i: number) => number = () => 2): boolean[] =>
    [...pattern].map((c, i) => {
      const ts = clock.now();
      if (c !== '-') pipeline.ingest([{ tag: 'p-1/vibration', ts, value: c === 'g' ? value(i) : -3.4e38, quality: 'Good' }]);
      for (let k = 1; k <= 6; k++) (clock.set(ts + k * 10 * S), pipeline.tick(clock.now()));
      return active();
    });
  return { run, active, stats: pipeline.stats };
}

describe('data-quality gate on window statistics (OPC UA Part 13 PercentDataBad)', () => {
  it('garbage that falls in range among mostly Bad samples raises nothing', () => {
    const s = setup();
    // A float read with its words swapped from the start: now and then a value in range (17.16 mm/s), else Bad.
    const garbage = s.run('bbbgbbbbbgbbbbbbgbbbbbbbbbbgbb', () => 17.16);
    expect(s.stats.outOfRange).toBe(26);
    expect(garbage.some(Boolean)).toBe(false);
  });

  it('a few Bad samples leave the average of the Good ones: a real zone D still raises', () => {
    const s = setup();
    s.run('gggggggggg');
    const high = s.run('gggbgggbggggbggg', () => 9);
    expect(high.indexOf(true)).toBeGreaterThan(0);
    expect(high.at(-1)).toBe(true);
  });

  it('an active alarm whose window turns mostly Bad stays active, and clears when Good data says so', () => {
    const s = setup();
    expect(s.run('gggggggggggg', () => 9).at(-1)).toBe(true);
    // Half an hour of nonsense: the average is unknown, which is no return to normal.
    expect(s.run('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb').every(Boolean)).toBe(true);
    // The sensor is fixed and reads 2 mm/s: once Good samples are more than half of the window, the
    // average is known again, below the limit less the deadband, and the 2-minute off-delay runs.
    const back = s.run('gggggggggggg', () => 2);
    expect(back.at(-1)).toBe(false);
    expect(back.slice(0, 5).every(Boolean)).toBe(true); // 5 Good of 10 is not yet more than half... then the off-delay
  });

  it('maxBadShare sets the share per fact: 1 turns the gate off', () => {
    const off = setup({ maxBadShare: 1 });
    off.run('gggggggggggg');
    expect(off.run('bbbgbbbbbgbbbbbbgbbbbbbbbbbgbb', () => 17.16).some(Boolean)).toBe(true); // as before the gate
    const strict = setup({ maxBadShare: 0.05 });
    strict.run('gggggggggg');
    expect(strict.run('gggbgggbggggbggg', () => 9).some(Boolean)).toBe(false); // one Bad among 11 is too many for it
  });

  it('a clear condition on an unknown statistic does not clear either', () => {
    const s = setup({}, { clear: { all: [{ fact: 'vibration', operator: 'lessThan', value: 3, params: { stat: 'avg', window: '10m' } }] } });
    expect(s.run('gggggggggggg', () => 9).at(-1)).toBe(true);
    // Bad samples and an in-range 0.5 now and then: the average of the Good ones alone would clear it.
    expect(s.run('bbbgbbbbbgbbbbbbgbbbbbbbbbbgbb', () => 0.5).every(Boolean)).toBe(true);
  });
});
