import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError, wantsHelp, type Command } from './command.js';
import { reportError } from './report.js';

/** Where the dispatcher writes its own text (help, usage errors); commands write to the process. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

function table(commands: Command[]): string {
  const w = Math.max(...commands.map((c) => c.words.join(' ').length));
  return commands.map((c) => `  ${c.words.join(' ').padEnd(w)}  ${c.summary}`).join('\n');
}

function topUsage(commands: Command[]): string {
  return `Usage: cbm-gateway <command> [options]\n\nCommands:\n${table(commands)}\n\nOptions:\n  -h, --help     show this help, or a command's: cbm-gateway <command> --help\n      --version  print the version and exit\n`;
}

function groupUsage(group: string, commands: Command[]): string {
  return `Usage: cbm-gateway ${group} <command> [options]\n\nCommands:\n${table(commands)}\n\nRun "cbm-gateway ${group} <command> --help" for a command's options.\n`;
}

/** The version in the package.json beside the code (`gateway/` from source, `dist/gateway/` built). */
export function packageVersion(from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cbm-gateway' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no cbm-gateway package.json above ${from}`);
  }
}

/**
 * Runs `cbm-gateway <words> [options]` and returns the exit code: 0 done (and for help), 1 the
 * command failed, 2 a usage error (unknown command or option, missing argument), printed with
 * the usage of the command it concerns.
 */
export async function runCli(commands: Command[], argv: string[], io: CliOutput = processOutput): Promise<number> {
  // Help goes to stdout (exit 0); a usage error to stderr with the usage it concerns (exit 2).
  const done = (code: 0 | 2, text: string) => {
    (code === 0 ? io.out : io.err)(text);
    return code;
  };
  const [first] = argv;
  if (first === undefined || first === '-h' || first === '--help') return done(0, topUsage(commands));
  if (first === '--version') return done(0, `${packageVersion()}\n`);
  if (first === 'help') return runCli(commands, [...argv.slice(1), '--help'], io);
  if (first.startsWith('-')) return done(2, `unknown option ${first}\n\n${topUsage(commands)}`);
  // Longest match first, so `modbus probe` wins over a hypothetical `modbus`.
  const cmd = [...commands].sort((a, b) => b.words.length - a.words.length).find((c) => c.words.every((w, i) => argv[i] === w));
  if (!cmd) {
    const group = commands.filter((c) => c.words.length > 1 && c.words[0] === first);
    if (group.length === 0) return done(2, `unknown command "${first}"\n\n${topUsage(commands)}`);
    const next = argv[1];
    if (next === undefined || next === '-h' || next === '--help') return done(0, groupUsage(first, group));
    return done(2, `unknown command "${first} ${next}"\n\n${groupUsage(first, group)}`);
  }
  const args = argv.slice(cmd.words.length);
  if (wantsHelp(args)) return done(0, cmd.help());
  try {
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return done(2, `${(e as Error).message}\n\nUsage: cbm-gateway ${cmd.usage}\nRun "cbm-gateway ${cmd.words.join(' ')} --help" for its options.\n`);
    }
    reportError(e);
    return 1;
  }
}
