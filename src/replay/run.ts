import type { LoadedConfig } from '../config/load.js';
import { ProblemsError } from '../config/problems.js';
import { readSampleFile } from '../rules/samples-file.js';
import { Catalog } from '../tags/catalog.js';
import { replay, resolveSeries } from './backtest.js';
import { formatEvent } from './events.js';
import { formatExpectResult, matchOrders, readExpectations } from './expect.js';
import { describeBadValues, describeUnknown, unknownCount } from './input-report.js';
import { leadTimes, type Limit } from './lead-time.js';
import { formatScorecard, scorecard } from './scorecard.js';

/** What `cbm-gateway rules test` was asked to do (paths resolved). */
export interface BacktestRun {
  config: LoadedConfig;
  ruleFiles: string[];
  samplesFile: string;
  limits: Limit[];
  expectFile: string | undefined;
  json: boolean;
  /** The scorecard (and expectations) only, not the timeline. */
  summary: boolean;
  allowUnknown: boolean;
  allowBad: boolean;
  tailMs: number;
  timedStepMs: number | undefined;
}

/**
 * A backtest as the CLI runs it: read the samples and name every mistake in them before
 * replaying (names the site lacks, values that are not numbers: refused unless allowed), replay,
 * print the timeline, the scorecard and how the orders compare with the expected ones. Lines go
 * to `out` (results) and `warn` (what is wrong with the input). Returns the exit code: 0, or 1
 * when the input was refused or the orders were not the expected ones. Unreadable files throw.
 */
export function runBacktest(o: BacktestRun, out: (line: string) => void, warn: (line: string) => void): number {
  const input = readSampleFile(o.samplesFile);
  if (input.problemCount) {
    const more = input.problemCount - input.problems.length;
    throw new ProblemsError('CBM_ERR_BAD_REQUEST', more > 0 ? [...input.problems, { file: o.samplesFile, path: '', message: `… and ${more} more lines that cannot be read` }] : input.problems);
  }
  if (input.table.length === 0) {
    warn(`${o.samplesFile}: no samples (a header, comments or empty lines only); nothing to replay`);
    return 1;
  }
  const catalog = new Catalog(o.config.config);
  const { index, unknown } = resolveSeries(input.table, catalog);
  let refuse = false;
  const nUnknown = unknownCount(unknown);
  if (nUnknown > 0) {
    warn(`${nUnknown.toLocaleString('en-US')} samples name assets or tags the site does not have${o.allowUnknown ? ' (not replayed)' : ''}:`);
    for (const l of describeUnknown(unknown, catalog)) warn(`  ${l}`);
    if (!o.allowUnknown) (refuse = true), warn('Correct the names (or the site), or replay the rest with --allow-unknown.');
  }
  if (input.badValueCount > 0) {
    warn(`${input.badValueCount.toLocaleString('en-US')} values are not numbers${o.allowBad ? ' (replayed as Bad samples: kept from the rules, as the gateway keeps an unreadable value)' : ''}:`);
    for (const l of describeBadValues(o.samplesFile, input.badValues, input.badValueCount)) warn(`  ${l}`);
    if (!o.allowBad) (refuse = true), warn('Correct them, or replay them as Bad samples with --allow-bad.');
  }
  for (const l of o.limits) {
    if (input.table.names.some((n) => n.asset === l.asset && n.tag === l.tag)) continue;
    refuse = true;
    warn(`--limit ${l.asset}/${l.tag}: the samples have no ${l.asset}/${l.tag}`);
  }
  if (refuse) return 1;
  const t = input.table;
  const expected = o.expectFile ? readExpectations(o.expectFile, t.length ? t.ts[0]! : 0) : undefined;
  const result = replay(o.config, o.ruleFiles, t, { tailMs: o.tailMs, ...(o.timedStepMs !== undefined ? { timedStepMs: o.timedStepMs } : {}) });
  if (!o.summary) for (const e of result.events) out(o.json ? JSON.stringify(e) : formatEvent(e));
  const card = scorecard(result, t, index, o.limits.map((l) => leadTimes(result.events, t, l)));
  out(o.json ? JSON.stringify(card) : `${result.events.length && !o.summary ? '\n' : ''}${formatScorecard(card)}`);
  if (!expected) return 0;
  const check = matchOrders(o.expectFile!, expected, result.events);
  out(o.json ? JSON.stringify(check) : `\n${formatExpectResult(check)}`);
  return check.ok ? 0 : 1;
}
