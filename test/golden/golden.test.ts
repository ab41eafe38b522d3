import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import { readSamples } from '../../src/rules/samples-file.js';
import { backtest, type ReplayOptions } from '../../src/replay/backtest.js';

/**
 * Golden replays (eKuiper's topotest idea): each folder holds a rule file, recorded samples,
 * optional operator actions, and the alarm timeline and work orders they must produce
 * (`expected.ndjson`, the same lines `cbm-gateway rules test --json` prints). Set
 * GOLDEN_UPDATE=1 to rewrite the expectations, then review the diff line by line.
 */
const here = import.meta.dirname;
const site = loadConfig(join(here, 'site.yaml'), {});
// A replay is a folder with its rules; `quality/` holds the generated detection-quality suite.
const scenarios = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'rules.yaml'))).map((d) => d.name);

interface Action {
  at: string;
  do: 'shelve' | 'ack' | 'unshelve';
  rule: string;
  asset: string;
  duration?: string;
}

describe('golden replays', () => {
  it('has the six scenarios the rules issue asks for', () => {
    expect(scenarios.sort()).toEqual(['chattering-sensor', 'on-delay-spike', 'run-hour-pm', 'shelved-returns', 'slow-bearing-degradation', 'stale-sensor']);
  });

  for (const name of scenarios) {
    it(name, () => {
      const dir = join(here, name);
      const opt = existsSync(join(dir, 'options.json')) ? (JSON.parse(readFileSync(join(dir, 'options.json'), 'utf8')) as { tail?: string }) : {};
      const actions: ReplayOptions['actions'] = existsSync(join(dir, 'actions.json'))
        ? (JSON.parse(readFileSync(join(dir, 'actions.json'), 'utf8')) as Action[]).map((a) => ({
            ts: Date.parse(a.at),
            do: (r) => {
              if (a.do === 'shelve') r.shelve(a.rule, a.asset, parseDuration(a.duration ?? '1h')!, 'golden');
              else if (a.do === 'ack') r.acknowledge(a.rule, a.asset, 'golden');
              else r.unshelve(a.rule, a.asset, 'golden');
            },
          }))
        : [];
      const events = backtest(site, [join(dir, 'rules.yaml')], readSamples(join(dir, 'samples.csv')), { actions, tailMs: opt.tail ? parseDuration(opt.tail) : 0 });
      const got = events.map((e) => JSON.stringify(e));
      const file = join(dir, 'expected.ndjson');
      if (process.env.GOLDEN_UPDATE) writeFileSync(file, `${got.join('\n')}\n`);
      const want = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      expect(got).toEqual(want);
    });
  }
});
