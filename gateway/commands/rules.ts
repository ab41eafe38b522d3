import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import { formatProblem, ProblemsError } from '../../src/config/problems.js';
import { replay, resolveSeries } from '../../src/replay/backtest.js';
import { formatEvent } from '../../src/replay/events.js';
import { formatExpectResult, matchOrders, readExpectations } from '../../src/replay/expect.js';
import { describeBadValues, describeUnknown, unknownCount } from '../../src/replay/input-report.js';
import { leadTimes, parseLimit, type Limit } from '../../src/replay/lead-time.js';
import { formatScorecard, scorecard } from '../../src/replay/scorecard.js';
import { ruleFiles } from '../../src/rules/load.js';
import { readSampleFile } from '../../src/rules/samples-file.js';
import { Catalog } from '../../src/tags/catalog.js';
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

const testOpts = {
  ...opts,
  'allow-unknown': { type: 'boolean' },
  'allow-bad': { type: 'boolean' },
  limit: { type: 'string', multiple: true },
  expect: { type: 'string' },
  summary: { type: 'boolean' },
  'timed-step': { type: 'string' },
} as const;

function durationOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) throw new UsageError(`--${name} ${JSON.stringify(v)}: expected a duration such as 30s, 10m or 1h`);
  return ms;
}

export const rulesTestCommand: Command = {
  words: ['rules', 'test'],
  usage: 'rules test --config SITE --samples FILE [--rules FILE|DIR ...] [--limit ASSET/TAG=VALUE ...] [--expect FILE] [--json] [--summary] [--tail 10m] [--allow-unknown] [--allow-bad] [--timed-step 1m]',
  summary: 'backtest: replay recorded samples (CSV ts,asset,tag,value or NDJSON) through rules; print alarms, work orders and a scorecard; check expected orders',
  async run(args) {
    const { values } = parseArgs({ args, options: testOpts });
    if (!values.config || !values.samples) throw new UsageError('rules test needs --config SITE and --samples FILE (and usually --rules FILE)');
    let limits: Limit[];
    try {
      limits = (values.limit ?? []).map(parseLimit);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const tailMs = durationOption('tail', values.tail) ?? 0;
    const timedStepMs = durationOption('timed-step', values['timed-step']);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const warn = (line: string) => process.stderr.write(`${line}\n`);
    try {
      const loaded = loadConfig(values.config);
      const files = values.rules ? ruleFiles(values.rules.map((r) => resolve(r))) : ruleFiles(loaded.config.rules.map((r) => resolve(loaded.baseDir, r)));
      const samplesFile = resolve(values.samples);
      const input = readSampleFile(samplesFile);
      if (input.problemCount) {
        const more = input.problemCount - input.problems.length;
        throw new ProblemsError('CBM_ERR_BAD_REQUEST', more > 0 ? [...input.problems, { file: samplesFile, path: '', message: `… and ${more} more lines that cannot be read` }] : input.problems);
      }
      // Mistakes in the samples are named before anything is replayed, never passed over.
      const catalog = new Catalog(loaded.config);
      const { index, unknown } = resolveSeries(input.table, catalog);
      let refuse = false;
      const nUnknown = unknownCount(unknown);
      if (nUnknown > 0) {
        warn(`${nUnknown.toLocaleString('en-US')} samples name assets or tags the site does not have${values['allow-unknown'] ? ' (not replayed)' : ''}:`);
        for (const l of describeUnknown(unknown, catalog)) warn(`  ${l}`);
        if (!values['allow-unknown']) (refuse = true), warn('Correct the names (or the site), or replay the rest with --allow-unknown.');
      }
      if (input.badValueCount > 0) {
        warn(`${input.badValueCount.toLocaleString('en-US')} values are not numbers${values['allow-bad'] ? ' (replayed as Bad samples: kept from the rules, as the gateway keeps an unreadable value)' : ''}:`);
        for (const l of describeBadValues(samplesFile, input.badValues, input.badValueCount)) warn(`  ${l}`);
        if (!values['allow-bad']) (refuse = true), warn('Correct them, or replay them as Bad samples with --allow-bad.');
      }
      for (const l of limits) if (!input.table.names.some((n) => n.asset === l.asset && n.tag === l.tag)) (refuse = true), warn(`--limit ${l.asset}/${l.tag}: the samples have no ${l.asset}/${l.tag}`);
      if (refuse) return 1;
      const expected = values.expect ? readExpectations(resolve(values.expect), input.table.length ? input.table.ts[0]! : 0) : undefined;
      const result = replay(loaded, files, input.table, { tailMs, ...(timedStepMs !== undefined ? { timedStepMs } : {}) });
      if (!values.summary) for (const e of result.events) out(values.json ? JSON.stringify(e) : formatEvent(e));
      const card = scorecard(result, input.table, index, limits.map((l) => leadTimes(result.events, input.table, l)));
      if (values.json) out(JSON.stringify(card));
      else out(`${result.events.length && !values.summary ? '\n' : ''}${formatScorecard(card)}`);
      if (!expected) return 0;
      const check = matchOrders(resolve(values.expect!), expected, result.events);
      out(values.json ? JSON.stringify(check) : `\n${formatExpectResult(check)}`);
      return check.ok ? 0 : 1;
    } catch (e) {
      reportError(e);
      return 1;
    }
  },
};
