import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ProblemsError } from '../../src/config/problems.js';
import { report, RUNS, watchRejections } from './runs.js';
import { mutatedYaml, randomYaml } from './yaml-mutations.js';

/**
 * Fuzz: the site config loader on random and mutated YAML. Never a crash: every input loads, or
 * is refused with a ProblemsError whose every problem names the file and where in it (a path, or
 * a line for a syntax error) and says what was expected.
 */
const SEEDS = [join('edge-config', 'demo.yaml'), ...readdirSync(join('edge-config', 'examples')).map((f) => join('edge-config', 'examples', f))].map((f) => readFileSync(f, 'utf8'));

/** A config load costs ~10 ms here (YAML and schema): two thirds of the cases mutate real files. */
const MUTATED = Math.ceil((RUNS * 2) / 3);
const RANDOM = Math.ceil(RUNS / 3);

describe('config loader fuzzed', () => {
  it(`loads or refuses with problems naming file and path, never crashes (${MUTATED} mutated + ${RANDOM} random cases)`, () => {
    // Where the seeds live (never written: the text is handed over), so their relative paths resolve.
    const file = join(process.cwd(), 'edge-config', 'fuzzed-site.yaml');
    const env = { PLANT_BROKER_PASSWORD: 'x', HOME: '/root' };
    const counts = { cases: 0, loaded: 0, refused: 0, problems: 0 };
    const rejections = watchRejections();
    const check = (text: string) => {
      counts.cases++;
      try {
        loadConfig(file, env, text);
        counts.loaded++;
      } catch (e) {
        if (!(e instanceof ProblemsError)) throw new Error(`not a ProblemsError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}\n--- input ---\n${text.slice(0, 2000)}`);
        counts.refused++;
        expect(e.problems.length).toBeGreaterThan(0);
        for (const p of e.problems) {
          counts.problems++;
          expect(p.file).toBe(file);
          expect(typeof p.path).toBe('string');
          // (An empty path is the file as a whole: an empty file, a list where a mapping belongs.)
          expect(p.message.length).toBeGreaterThan(0);
        }
      }
    };
    fc.assert(fc.property(mutatedYaml(SEEDS), check), { numRuns: MUTATED });
    fc.assert(fc.property(randomYaml, check), { numRuns: RANDOM });
    expect(rejections.stop()).toEqual([]);
    report('config loader', counts);
    expect(counts.loaded).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(RUNS / 2);
    expect(counts.loaded).toBeGreaterThan(RUNS / 100);
  });
});
