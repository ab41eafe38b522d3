import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * One option of a command: node:util parseArgs' own settings (type, short, multiple, default)
 * plus what `--help` prints. The same table parses the arguments and writes the help, so the
 * two cannot drift apart.
 */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  description: string;
  /** The value's placeholder in the help, e.g. `FILE`; string options only. */
  value?: string;
};

export type OptionTable = Record<string, OptionSpec>;

/** What a command's body receives: its arguments parsed strictly against its own option table. */
export type Parsed<O extends OptionTable> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** One `cbm-gateway` sub-command: its words (e.g. `['modbus', 'probe']`), usage line and runner. */
export interface Command {
  words: string[];
  usage: string;
  summary: string;
  /** The text `--help` prints: usage, summary, every option. */
  help(): string;
  /** Receives the arguments after the command words; returns the process exit code. */
  run(args: string[]): Promise<number>;
}

export interface CommandSpec<O extends OptionTable> {
  words: string[];
  /** The usage line after `cbm-gateway`, e.g. `validate --config FILE`. */
  usage: string;
  summary: string;
  options: O;
  /** Accepts positional arguments (endpoints, order ids); otherwise one is a usage error. */
  positionals?: boolean;
  /** Lines printed after the options (environment variables, notes). */
  notes?: string[];
  run(parsed: Parsed<O>): Promise<number>;
}

/** A mistake in how the command was called: the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help and exit' };

/** True when `-h` or `--help` comes before any `--` (after which everything is positional). */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '-h' || a === '--help');
}

function optionLines(options: OptionTable): string[] {
  const left = Object.entries(options).map(([name, o]) => {
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}${o.multiple ? ' ...' : ''}` : '';
    return `${o.short ? `-${o.short}, ` : '    '}--${name}${value}`;
  });
  const w = Math.max(...left.map((l) => l.length));
  return Object.values(options).map((o, i) => {
    const dflt = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return `  ${left[i]!.padEnd(w)}  ${o.description}${dflt}`;
  });
}

/** Options whose names the command does not know, as typed (`--nope`, `-x`). */
function unknownOptions(args: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  return tokens.flatMap((t) => (t.kind === 'option' && !(t.name in options) ? [t.rawName] : []));
}

/** Builds a command whose `--help` prints its usage and options and whose options parse strictly. */
export function defineCommand<const O extends OptionTable>(spec: CommandSpec<O>): Command {
  const options = { ...spec.options, help: HELP };
  // parseArgs gets its own settings only: the help fields are ours.
  const parseOptions = Object.fromEntries(Object.entries(options).map(([k, { description: _d, value: _v, ...o }]) => [k, o]));
  const help = () =>
    [`Usage: cbm-gateway ${spec.usage}`, '', `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`, '', 'Options:', ...optionLines(options), ...(spec.notes?.length ? ['', ...spec.notes] : []), ''].join('\n');
  return {
    words: spec.words,
    usage: spec.usage,
    summary: spec.summary,
    help,
    async run(args) {
      if (wantsHelp(args)) {
        process.stdout.write(help());
        return 0;
      }
      const unknown = unknownOptions(args, parseOptions);
      if (unknown.length) throw new UsageError(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for "${spec.words.join(' ')}"`);
      const parsed = parseArgs({ args, options: parseOptions, allowPositionals: spec.positionals ?? false, strict: true });
      return spec.run(parsed as Parsed<O>);
    },
  };
}
