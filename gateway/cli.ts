#!/usr/bin/env -S node --no-memory-reducer
import { UsageError } from './commands/command.js';
import { commands } from './commands/registry.js';
import { reportError } from './commands/report.js';

function usage(): string {
  const w = Math.max(...commands.map((c) => c.usage.length));
  return `Usage: cbm-gateway <command> [options]\n\nCommands:\n${commands.map((c) => `  ${c.usage.padEnd(w)}  ${c.summary}`).join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  // Longest match first, so `modbus probe` wins over a hypothetical `modbus`.
  const cmd = [...commands].sort((a, b) => b.words.length - a.words.length).find((c) => c.words.every((w, i) => argv[i] === w));
  if (!cmd) {
    process.stderr.write(`unknown command "${argv.join(' ')}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await cmd.run(argv.slice(cmd.words.length));
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(e as Error).message}\nusage: cbm-gateway ${cmd.usage}\n`);
      return 2;
    }
    reportError(e);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
