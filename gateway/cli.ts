#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { isCbmError } from '../src/core/errors.js';
import { ProblemsError, formatProblem } from '../src/config/problems.js';
import { Gateway } from './gateway.js';
import { createLogger } from './log.js';

const USAGE = `Usage: cbm-gateway <command> [options]

Commands:
  validate --config FILE     check a site configuration and its rule files; exit 0 or print every problem and exit 1
  start --config FILE        run the gateway until SIGINT/SIGTERM

Options:
  -c, --config FILE          site configuration (YAML)
  -h, --help                 this text
`;

function fail(msg: string, code = 1): never {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

function report(e: unknown): never {
  if (e instanceof ProblemsError) fail(`${e.code}: ${e.problems.length} problem(s)\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  if (isCbmError(e)) fail(`${e.code}: ${e.message}`);
  fail(`error: ${(e as Error).stack ?? String(e)}`);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  const [cmd] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE);
    return;
  }
  const configFile = values.config ?? process.env.CBM_CONFIG;
  switch (cmd) {
    case 'validate': {
      if (!configFile) fail('validate needs --config FILE', 2);
      try {
        const loaded = loadConfig(configFile);
        const { validateRules } = await import('./validate.js');
        const summary = validateRules(loaded);
        process.stdout.write(`${loaded.file}: OK (${loaded.config.assets.length} assets, ${loaded.config.sources.length} sources, ${summary.rules} rules on ${summary.instances} asset instances)\n`);
      } catch (e) {
        report(e);
      }
      return;
    }
    case 'start': {
      if (!configFile) fail('start needs --config FILE', 2);
      let gw: Gateway;
      try {
        const loaded = loadConfig(configFile);
        gw = new Gateway(loaded, { log: createLogger(loaded.config.gateway.logLevel) });
        await gw.start();
      } catch (e) {
        report(e);
      }
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        gw.log.info({ signal: sig }, 'stopping');
        gw.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      return;
    }
    default:
      fail(`unknown command "${cmd}"\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch(report);
