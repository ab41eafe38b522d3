import { formatProblem, ProblemsError } from '../../src/config/problems.js';
import { isCbmError } from '../../src/core/errors.js';

/** Prints an error for a person at a terminal: every problem with file:line, or the code and message. */
export function reportError(e: unknown): void {
  if (e instanceof ProblemsError) process.stderr.write(`${e.code}: ${e.problems.length} problem(s)\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
  else if (isCbmError(e)) process.stderr.write(`${e.code}: ${e.message}\n`);
  else process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
}
