import { readFileSync } from 'node:fs';
import { UsageError } from './command.js';

/** Reads one line from a terminal without echoing it (raw mode), for a password. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let s = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(s);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done();
        if (c === '\u0003') return done(new UsageError('cancelled'));
        if (c === '\u007f' || c === '\b') s = s.slice(0, -1);
        else s += c;
      }
    };
    stdin.on('data', onData);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
}

/**
 * A new password, from (in this order) `--password-file FILE` (its first line), `$CBM_PASSWORD`,
 * a prompt on the terminal (asked twice), or the first line of standard input when that is not a
 * terminal. Never from a command-line argument: those show in `ps` and shell history.
 */
export async function readNewPassword(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').split(/\r?\n/, 1)[0] ?? '';
    } catch (e) {
      throw new UsageError(`--password-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (env.CBM_PASSWORD !== undefined) return env.CBM_PASSWORD;
  if (!process.stdin.isTTY) return readStdin();
  const first = await promptHidden('Password: ');
  const again = await promptHidden('Password again: ');
  if (first !== again) throw new UsageError('the two passwords differ');
  return first;
}
