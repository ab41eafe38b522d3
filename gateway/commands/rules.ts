import { resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { ruleFiles } from '../../src/rules/load.js';
import { readSamples } from '../../src/rules/samples-file.js';
import { backtest, formatEvent } from '../../src/replay/backtest.js';
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

export const rulesTestCommand = defineCommand({
  words: ['rules', 'test'],
  usage: 'rules test --config SITE --rules FILE --samples FILE [--json] [--tail 10m]',
  summary: 'backtest: replay recorded samples (CSV ts,asset,tag,value or NDJSON) through rules; print alarms and work orders',
  options: {
    config: { ...configOption, value: 'SITE', description: 'site configuration (YAML) whose assets and tags the rules run on' },
    rules: rulesOption,
    samples: { type: 'string', short: 's', value: 'FILE', description: 'recorded samples: CSV with ts,asset,tag,value columns, or NDJSON' },
    json: { type: 'boolean', description: 'print each alarm change and work order as one JSON line' },
    tail: { type: 'string', value: 'DURATION', description: 'keep replaying the clock this long after the last sample (e.g. 10m), so delays and staleness can fire' },
  },
  async run({ values }) {
    if (!values.config || !values.samples) throw new UsageError('rules test needs --config SITE and --samples FILE (and usually --rules FILE)');
    try {
      const loaded = loadConfig(values.config);
      const files = values.rules ? ruleFiles(values.rules.map((r) => resolve(r))) : ruleFiles(loaded.config.rules.map((r) => resolve(loaded.baseDir, r)));
      const samples = readSamples(resolve(values.samples));
      const events = backtest(loaded, files, samples, { tailMs: values.tail ? parseDuration(values.tail) ?? 0 : 0 });
      for (const e of events) process.stdout.write(`${values.json ? JSON.stringify(e) : formatEvent(e)}\n`);
      if (!values.json) {
        const orders = events.filter((e) => e.type === 'workorder').length;
        process.stdout.write(`${samples.length} samples, ${events.length - orders} alarm changes, ${orders} work orders\n`);
      }
      return 0;
    } catch (e) {
      reportError(e);
      return 1;
    }
  },
});
