import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadConfig } from '../../src/config/load.js';
import { ProblemsError } from '../../src/config/problems.js';
import { Stages } from '../../src/pipeline/stages.js';
import { openStore } from '../../src/store/db.js';
import { tempDir } from '../helpers/servers.js';
import { report, RUNS, watchRejections } from './runs.js';
import { mutatedYaml, randomYaml } from './yaml-mutations.js';

/**
 * Fuzz: the rule loader (schema, selectors, condition compiler, templates) on random and mutated
 * rule files, against the demo site's assets. Never a crash: every file loads, or is refused with
 * a ProblemsError whose every problem names the file and the path in it; the rules that ran
 * before stay in force.
 */
const SEEDS = ['library', 'demo'].flatMap((d) => readdirSync(join('rules', d)).map((f) => readFileSync(join('rules', d, f), 'utf8')));

describe('rule loader fuzzed', () => {
  it(`loads or refuses with problems naming file and path, never crashes (${RUNS} cases)`, () => {
    const clock = new ManualClock();
    const { config } = loadConfig(join('edge-config', 'demo.yaml'), { ...process.env });
    const stages = new Stages({ config, db: openStore(':memory:'), clock, log: silentLogger, startedAt: clock.now(), targetIds: () => ['t'] });
    const file = join(tempDir('fuzz-rules'), 'rules.yaml');
    const counts = { cases: 0, loaded: 0, refused: 0, problems: 0 };
    const rejections = watchRejections();
    const check = (text: string) => {
      counts.cases++;
      writeFileSync(file, text);
      try {
        stages.loadRules([file], {});
        counts.loaded++;
      } catch (e) {
        if (!(e instanceof ProblemsError)) throw new Error(`not a ProblemsError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}\n--- input ---\n${text.slice(0, 2000)}`);
        counts.refused++;
        expect(e.code).toBe('CBM_ERR_RULE_INVALID');
        for (const p of e.problems) {
          counts.problems++;
          expect(p.file).toBe(file);
          expect(typeof p.path).toBe('string');
          expect(p.message.length).toBeGreaterThan(0);
        }
      }
    };
    fc.assert(fc.property(mutatedYaml(SEEDS), check), { numRuns: Math.ceil((RUNS * 2) / 3) });
    fc.assert(fc.property(randomYaml, check), { numRuns: Math.ceil(RUNS / 3) });
    expect(rejections.stop()).toEqual([]);
    report('rule loader', counts);
    expect(counts.loaded).toBeGreaterThan(RUNS / 100);
    expect(counts.refused).toBeGreaterThan(RUNS / 2);
  });
});
