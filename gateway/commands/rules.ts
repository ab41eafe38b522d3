import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { ruleFiles } from '../../src/rules/load.js';
import { readSamples } from '../../src/rules/samples-file.js';
import { backtest, formatEvent } from '../../src/replay/backtest.js';
import { parseDuration } from '../../src/config/duration.js';
import { UsageError, type Command } from './command.js';
import { reportError } from './report.js';
import { validateRules } from './validate.js';

const opts = {
  config: { type: 'string', short: 'c' },
  rules: { type: 'string', short: 'r', multiple: true },
  samples: { type: 'string', short: 's' },
  json: { type: 'boolean' },
  tail: { type: 'string' },
} as const;

export const rulesCheckCommand: Command = {
  words: ['rules', 'check'],
  usage: 'rules check --config FILE [--rules FILE|DIR ...]',
  summary: 'check rule files against the site: unknown assets, tags, facts, units and template variables are errors',
  async run(args) {
    const { values } = parseArgs({ args, options: opts });
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
};

export const rulesTestCommand: Command = {
  words: ['rules', 'test'],
  usage: 'rules test --config SITE --rules FILE --samples FILE [--json] [--tail 10m]',
  summary: 'backtest: replay recorded samples (CSV ts,asset,tag,value or NDJSON) through rules; print alarms and work orders',
  async run(args) {
    const { values } = parseArgs({ args, options: opts });
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
};
