import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseDuration } from '../../../src/config/duration.js';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import type { ReplayAction } from '../../../src/replay/backtest.js';
import type { RecordedSample } from '../../../src/rules/samples-file.js';
import { readSamples } from '../../../src/rules/samples-file.js';
import { rng } from '../../../simulators/plant/model.js';
import { tempDir } from '../../helpers/servers.js';

const GOLDEN = join(import.meta.dirname, '../../golden');

export interface Scenario {
  name: string;
  site: LoadedConfig;
  rules: string[];
  samples: RecordedSample[];
  actions: ReplayAction[];
  tailMs: number;
  /** Expected events as NDJSON lines, for golden folders. */
  expected?: string[];
}

interface GoldenAction {
  at: string;
  do: 'shelve' | 'ack' | 'unshelve';
  rule: string;
  asset: string;
  duration?: string;
}

function goldenActions(list: GoldenAction[]): ReplayAction[] {
  return list.map((a) => ({
    ts: Date.parse(a.at),
    do: (r) => {
      if (a.do === 'shelve') r.shelve(a.rule, a.asset, parseDuration(a.duration ?? '1h')!, 'golden');
      else if (a.do === 'ack') r.acknowledge(a.rule, a.asset, 'golden');
      else r.unshelve(a.rule, a.asset, 'golden');
    },
  }));
}

/** Every folder of test/golden as a scenario (the golden test's own reading of them). */
export function goldenScenarios(): Scenario[] {
  const site = loadConfig(join(GOLDEN, 'site.yaml'), {});
  return readdirSync(GOLDEN, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(GOLDEN, d.name, 'samples.csv')))
    .map((d) => {
      const dir = join(GOLDEN, d.name);
      const opt = existsSync(join(dir, 'options.json')) ? (JSON.parse(readFileSync(join(dir, 'options.json'), 'utf8')) as { tail?: string }) : {};
      return {
        name: d.name,
        site,
        rules: [join(dir, 'rules.yaml')],
        samples: readSamples(join(dir, 'samples.csv')),
        actions: existsSync(join(dir, 'actions.json')) ? goldenActions(JSON.parse(readFileSync(join(dir, 'actions.json'), 'utf8')) as GoldenAction[]) : [],
        tailMs: opt.tail ? parseDuration(opt.tail)! : 0,
        expected: readFileSync(join(dir, 'expected.ndjson'), 'utf8').split('\n').filter(Boolean),
      };
    });
}

const TAGS = ['temp', 'vib', 'flow'];
const ASSETS = ['a-1', 'a-2'];
const T0 = Date.UTC(2026, 0, 5);

/**
 * A seeded random scenario: two assets with three tags, samples at irregular times (seconds to
 * hours apart: bursts, pauses, dropouts), values wandering across the rules' limits, and rules of
 * every time-dependent kind: thresholds with deadband, on/off-delays and chattering, stale
 * sensors, window statistics and trends, separate clear conditions; operator shelves and acks.
 */
export function randomScenario(seed: number): Scenario {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const dir = tempDir('replay-random');
  const site = {
    gateway: { id: 'gw' },
    site: { id: 's', name: 'S' },
    assets: ASSETS.map((id) => ({ id, name: id, class: 'pump', tags: TAGS.map((t) => ({ id: t, unit: 'u', range: { min: -1000, max: 1000 } })) })),
  };
  writeFileSync(join(dir, 'site.yaml'), stringify(site));
  const rules = Array.from({ length: 3 + Math.floor(r() * 5) }, (_, i) => randomRule(i, r, pick));
  writeFileSync(join(dir, 'rules.yaml'), stringify({ rules }));
  const samples: RecordedSample[] = [];
  const span = 6 * 3_600_000;
  for (const asset of ASSETS) {
    for (const tag of TAGS) {
      let t = T0 + Math.floor(r() * 20_000);
      let v = 50 + r() * 20;
      while (t < T0 + span) {
        samples.push({ ts: t, asset, tag, value: Math.round(v * 100) / 100 });
        v += (r() - 0.5) * 6;
        if (v < 30 || v > 90) v = 60;
        const k = r();
        t += Math.round(k < 0.6 ? 1000 + r() * 20_000 : k < 0.9 ? 60_000 + r() * 600_000 : 600_000 + r() * 3 * 3_600_000);
      }
    }
  }
  samples.sort((a, b) => a.ts - b.ts);
  const actions: ReplayAction[] = Array.from({ length: Math.floor(r() * 4) }, () => {
    const ts = T0 + Math.floor(r() * span);
    const rule = `r${Math.floor(r() * rules.length)}`;
    const asset = pick(ASSETS);
    const what = r();
    const minutes = 1 + Math.floor(r() * 30);
    return { ts, do: (c) => (what < 0.6 ? c.shelve(rule, asset, minutes * 60_000, 'test') : what < 0.8 ? c.unshelve(rule, asset, 'test') : c.acknowledge(rule, asset, 'test')) };
  });
  return { name: `random #${seed}`, site: loadConfig(join(dir, 'site.yaml'), {}), rules: [join(dir, 'rules.yaml')], samples, actions, tailMs: Math.floor(r() * 3_600_000) };
}

function randomRule(i: number, r: () => number, pick: <T>(xs: readonly T[]) => T): Record<string, unknown> {
  const tag = pick(TAGS);
  const kind = pick(['threshold', 'threshold', 'stale', 'window', 'trend', 'combined', 'cleared'] as const);
  const above = r() < 0.5;
  const op = above ? 'greaterThan' : 'lessThan';
  const limit = Math.round(above ? 60 + r() * 15 : 45 + r() * 15);
  const window = pick(['1m', '5m', '10m', '1h', '2h']);
  const stat = pick(['avg', 'min', 'max', 'count', 'stddev', 'slope', 'rate'] as const);
  const statLimit = stat === 'count' ? 2 + Math.floor(r() * 10) : stat === 'stddev' ? 1 + r() * 3 : stat === 'slope' || stat === 'rate' ? (r() - 0.5) * 20 : limit;
  const threshold = { fact: tag, operator: op, value: limit };
  const win = { fact: tag, operator: pick(['greaterThan', 'lessThan']), value: Math.round(statLimit * 100) / 100, params: { stat, window } };
  const conditions =
    kind === 'stale'
      ? { fact: tag, operator: 'greaterThan', value: pick([20, 60, 300, 900]), params: { stat: 'age' } }
      : kind === 'window'
        ? win
        : kind === 'trend'
          ? { all: [{ fact: tag, operator: 'lessThan', value: pick([1, 6, 24]), params: { stat: 'timeToLimit', limit: 85, window, minSamples: 3 } }] }
          : kind === 'combined'
            ? { [pick(['all', 'any'])]: [threshold, win] }
            : threshold;
  return {
    id: `r${i}`,
    name: `Rule ${i}`,
    selector: { class: 'pump' },
    priority: pick([1, 2, 3, 4]),
    conditions,
    ...(kind === 'cleared' ? { clear: { fact: tag, operator: above ? 'lessThan' : 'greaterThan', value: above ? limit - 8 : limit + 8 } } : {}),
    deadband: kind === 'threshold' || kind === 'combined' ? pick([0, 1, 3]) : 0,
    onDelay: pick([0, 0, 5000, 30_000, 120_000]),
    offDelay: pick([0, 0, 10_000, 60_000]),
    chatter: { count: pick([3, 4]), window: pick([60_000, 300_000]) },
    rearm: pick(['clear', 'completion']),
    workOrder: { title: `{{rule.name}} on {{asset.name}} at {{value.${tag}}}` },
  };
}
