import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { CbmError, type ErrorCode } from '../core/errors.js';
import { interpolateEnv } from './interpolate.js';
import { formatPath, locate, ProblemsError, zodProblems, type Problem } from './problems.js';
import { resolveSecretFiles, type Locate } from './secrets.js';

export interface ParsedYaml {
  file: string;
  doc: Document;
  lc: LineCounter;
  data: unknown;
  problems: Problem[];
}

/**
 * Reads and parses a YAML file, interpolating `${ENV}` and reading secret files (`passwordFile`,
 * `tokenFile`, …, relative to the file's folder); syntax errors, unset variables and unreadable
 * secret files come back as problems with lines.
 */
export function readYaml(file: string, env: NodeJS.ProcessEnv = process.env, text?: string): ParsedYaml {
  let src = text;
  if (src === undefined) {
    try {
      src = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CbmError('CBM_ERR_CONFIG_READ', `${file}: cannot read: ${(e as Error).message}`, { cause: e });
    }
  }
  const lc = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lc, prettyErrors: true });
  const lines = src.split('\n');
  // One problem per line: a single slip makes the YAML parser report every token after it.
  const firstPerLine = doc.errors.filter((e, i, all) => all.findIndex((x) => x.linePos?.[0]?.line === e.linePos?.[0]?.line) === i);
  const problems: Problem[] = firstPerLine.slice(0, 10).map((e) => {
    const pos = e.linePos?.[0];
    const text = pos ? lines[pos.line - 1] ?? '' : '';
    // `{ password: ${SECRET} }` is a YAML flow map inside a flow map: say what to do instead.
    const hint = /[:\[{,]\s*\$\{/.test(text) ? ' (quote values that use ${ENV}: "${NAME}")' : '';
    const msg = tooDeep(e.message) ?? (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return { file, path: '', ...(pos ? { line: pos.line, column: pos.col } : {}), message: `YAML syntax: ${msg}${hint}` };
  });
  if (firstPerLine.length > 10) problems.push({ file, path: '', message: `… and YAML syntax errors on ${firstPerLine.length - 10} more lines` });
  const where: Locate = (path) => locate(doc, lc, path);
  let data: unknown;
  if (!problems.length) {
    try {
      data = resolveSecretFiles(interpolateEnv(doc.toJS({ maxAliasCount: 1000 }), env, file, problems, [], where), dirname(file), file, problems, where);
    } catch (e) {
      // The document parsed but cannot be read as values: an alias to no anchor, an alias bomb,
      // nesting deeper than the stack.
      const msg = (e as Error).message ?? String(e);
      problems.push({ file, path: '', message: `YAML: ${tooDeep(msg) ?? (/alias count/i.test(msg) ? 'more than 1000 alias expansions (an alias bomb?)' : msg)}` });
    }
  }
  return { file, doc, lc, data, problems };
}

/** The parser's words for a stack overflow, said as what is wrong with the file. */
function tooDeep(msg: string): string | undefined {
  return /call stack/i.test(msg) ? 'nested too deep to read (thousands of levels)' : undefined;
}

/** Reports a problem at a path of the document (its line found there). */
export type ProblemAt = (path: (string | number)[], message: string) => void;

/**
 * Parses and validates in one go; throws a {@link ProblemsError} listing every problem. `check`
 * looks further at the valid data (what a schema cannot: files it names exist) and reports what
 * it finds through `at`.
 */
export function loadYamlWith<S extends z.ZodType>(schema: S, file: string, code: ErrorCode, env?: NodeJS.ProcessEnv, text?: string, check?: (data: z.output<S>, at: ProblemAt) => void): z.output<S> {
  const y = readYaml(file, env, text);
  if (y.problems.length) throw new ProblemsError(code, y.problems);
  if (y.data === null || y.data === undefined) throw new ProblemsError(code, [{ file, path: '', message: 'the file is empty: expected a YAML mapping' }]);
  let r: z.ZodSafeParseResult<z.output<S>>;
  try {
    r = schema.safeParse(y.data);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ProblemsError(code, [{ file, path: '', message: `YAML: ${tooDeep(e.message) ?? e.message}` }]);
  }
  if (!r.success) throw new ProblemsError(code, zodProblems(file, r.error, y.doc, y.lc));
  const more: Problem[] = [];
  check?.(r.data, (path, message) => more.push({ file, path: formatPath(path), ...(locate(y.doc, y.lc, path) ?? {}), message }));
  if (more.length) throw new ProblemsError(code, more);
  return r.data;
}
