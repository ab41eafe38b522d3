import { resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { ruleFiles } from '../../src/rules/load.js';
import { parseLimit, type Limit } from '../../src/replay/lead-time.js';
import { runBacktest } from '../../src/replay/run.js';
import { parseDuration } from '../../src/config/duration.js';
import { defineCommand, UsageError } from './command.js';
import { configNote, configOption } from './options.js';
import { reportError } from './report.js';
import { validateRules } from './validate.js';

const rulesOption = { type: 'string', short: 'r', multiple: true, value: 'FILE|DIR', description: "rule file or folder, instead of the ones the config lists; repeatable" } as const;

export const rulesCheckCommand = defineCommand({
  words: ['rules', 'check'],
  usage: 'rules check --config FILE [--rules FILE|DIR ...]',
  summary: 'check rule files against the site: unknown assets, tags, facts, units and template variables are errors',
  options: { config: configOption, rules: rulesOption },
  notes: [configNote],
  async run({ values }) {
    const file = values.config ?? process.env.CBM_CONFIG;
    if (!file) throw new UsageError('rules check needs --config FILE');
    try {
      const loaded = loadConfig(file);
      const files = values.rules ? ruleFiles(values.rules.map((r) => resolve(r))) : undefined;
      const r = validateRules(loaded, files);
      for (const x of r.rules) if (x.assets.length) process.stdout.write(`${x.rule.id}: P${x.rule.priority} on ${x.assets.join(', ')}  (${x.file})\n`);
      for (const w of r.warnings) process.stdout.write(`warning: ${formatProblem(w)}\n`);
      process.stdout.write(`OK: ${r.rules.length} rules on ${r.instances.length} asset instances\n`);
      return 0;
    } catch (e) {
      reportError(e);
      return 1;
    }
  },
});

function durationOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) throw new UsageError(`--${name} ${JSON.stringify(v)}: expected a duration such as 30s, 10m or 1h`);
  return ms;
}

export const rulesTestCommand = defineCommand({
  words: ['rules', 'test'],
  usage: 'rules test --config SITE --samples FILE [--rules FILE|DIR ...] [--limit ASSET/TAG=VALUE ...] [--expect FILE] [--json] [--summary] [--tail 10m] [--allow-unknown] [--allow-bad] [--timed-step 1m]',
  summary: 'backtest: replay recorded samples (CSV ts,asset,tag,value or NDJSON) through rules; print alarms, work orders and a scorecard; check expected orders',
  options: {
    config: { ...configOption, value: 'SITE', description: 'site configuration (YAML) whose assets and tags the rules run on' },
    rules: rulesOption,
    samples: { type: 'string', short: 's', value: 'FILE', description: 'recorded samples: CSV with ts,asset,tag,value columns, or NDJSON' },
    json: { type: 'boolean', description: 'print each alarm change, work order, update and held order as one JSON line, then the scorecard (and expectations) as JSON lines' },
    summary: { type: 'boolean', description: 'print the scorecard (and expectations) only, not the timeline' },
    tail: { type: 'string', value: 'DURATION', description: 'keep the clock running this long after the last sample (e.g. 10m), so delays and staleness can fire' },
    limit: { type: 'string', multiple: true, value: 'ASSET/TAG=VALUE', description: "a value at which the fault is plainly there (asset/tag<=value: crossed going down); the scorecard gives each order's lead time before the samples first crossed it; repeatable" },
    expect: { type: 'string', value: 'FILE', description: 'expected work orders (YAML or NDJSON, see docs/rules.md#backtest); exit 1 listing missing and unexpected orders' },
    'allow-unknown': { type: 'boolean', description: 'replay samples even when some name assets or tags the site lacks (they are counted and left out)' },
    'allow-bad': { type: 'boolean', description: 'replay values that are not numbers as Bad samples instead of refusing the file' },
    'timed-step': { type: 'string', value: 'DURATION', description: 'longest time between checks of timed rules between samples (default 1m; 1s checks every tick, as the gateway ticks)' },
  },
  async run({ values }) {
    if (!values.config || !values.samples) throw new UsageError('rules test needs --config SITE and --samples FILE (and usually --rules FILE)');
    let limits: Limit[];
    try {
      limits = (values.limit ?? []).map(parseLimit);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const tailMs = durationOption('tail', values.tail) ?? 0;
    const timedStepMs = durationOption('timed-step', values['timed-step']);
    try {
      const config = loadConfig(values.config);
      return runBacktest(
        {
          config,
          ruleFiles: values.rules ? ruleFiles(values.rules.map((r) => resolve(r))) : ruleFiles(config.config.rules.map((r) => resolve(config.baseDir, r))),
          samplesFile: resolve(values.samples),
          limits,
          expectFile: values.expect ? resolve(values.expect) : undefined,
          json: values.json ?? false,
          summary: values.summary ?? false,
          allowUnknown: values['allow-unknown'] ?? false,
          allowBad: values['allow-bad'] ?? false,
          tailMs,
          timedStepMs,
        },
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      );
    } catch (e) {
      reportError(e);
      return 1;
    }
  },
});
