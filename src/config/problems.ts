import { isMap, isSeq, LineCounter, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { CbmError, type ErrorCode } from '../core/errors.js';

/** One thing wrong with a config or rule file: where, and what was expected. */
export interface Problem {
  file: string;
  /** Path inside the file, e.g. `assets[2].tags[0].unit`. Empty for the file as a whole. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** Thrown with every problem at once, never just the first. */
export class ProblemsError extends CbmError {
  readonly problems: Problem[];
  constructor(code: ErrorCode, problems: Problem[]) {
    super(code, `${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, {
      details: problems,
    });
    this.problems = problems;
  }
}

/** Locates a path in a parsed YAML document; walks up to the nearest node that exists. */
export function locate(doc: Document, lc: LineCounter, path: ReadonlyArray<PropertyKey>): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => {
        const k = it.key as { value?: unknown } | null;
        return k !== null && typeof k === 'object' && k.value === key;
      });
      if (!pair) break;
      node = pair.value;
      if (pair.value && typeof pair.value === 'object') found = pair.value as Node;
      else if (pair.key && typeof pair.key === 'object') found = pair.key as Node;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (!item) break;
      node = item;
      if (typeof item === 'object') found = item as Node;
    } else break;
  }
  const range = found?.range;
  if (!range) return undefined;
  const pos = lc.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

/** Turns zod issues into problems with line numbers where the YAML shows them. */
export function zodProblems(file: string, error: z.ZodError, doc?: Document, lc?: LineCounter): Problem[] {
  return error.issues.flatMap((issue) =>
    explain(issue, []).map(({ path, message }) => {
      const pos = doc && lc ? locate(doc, lc, path) : undefined;
      return { file, path: formatPath(path), ...(pos ?? {}), message };
    }),
  );
}

type Issue = z.core.$ZodIssue;

/**
 * One or more problems for an issue. A union that failed ("Invalid input" from zod) is explained
 * by the alternative the input came closest to, with that alternative's own problems at their own
 * paths: `{ fact, operator: greaterThen, value }` fails every kind of condition, and is reported as
 * the leaf it plainly is, with its unknown operator. A union of plain values (`1 | 2 | 3 | 4`) or
 * types lists what it accepts.
 */
function explain(issue: Issue, prefix: readonly PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  const path = [...prefix, ...(issue.path as PropertyKey[])];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path, message: describeIssue(issue) }];
  const custom = issue.message !== 'Invalid input' ? issue.message : undefined;
  const kinds = () => orList([...new Set(issue.errors.flatMap((b) => b.flatMap(accepted)))]);
  if (missing(issue)) return [{ path, message: `required: expected ${kinds()}` }];
  if (issue.errors.every((b) => b.length > 0 && b.every((i) => i.path.length === 0 && (i.code === 'invalid_value' || i.code === 'invalid_type' || i.code === 'invalid_union')))) {
    return [{ path, message: custom ?? `expected ${kinds()}${got(issue)}` }];
  }
  // Closest alternative: fewest problems with its shape (unknown keys, missing keys, a wrong
  // type), then fewest in all. Equally far ones: the union's own message, if it has one.
  const shape = (b: Issue[]) => b.filter((i) => i.path.length === 0 || (i.path.length === 1 && missing(i))).length;
  const scored = issue.errors.map((b) => ({ b, score: shape(b) * 1000 + b.length })).sort((x, y) => x.score - y.score);
  const best = scored[0]!;
  if (custom && scored.length > 1 && scored[1]!.score === best.score) return [{ path, message: custom }];
  return best.b.flatMap((i) => explain(i, path));
}

/** The issue says a value is missing (a union of types all "received undefined"). */
function missing(i: Issue): boolean {
  if (i.code === 'invalid_type') return i.message.endsWith('received undefined');
  if (i.code === 'invalid_union') return i.errors.length > 0 && i.errors.every((b) => b.some((x) => x.path.length === 0 && missing(x)));
  return false;
}

/** What a failed alternative accepts at its root, for "expected a number or a string". */
function accepted(i: Issue): string[] {
  if (i.path.length > 0) return [];
  if (i.code === 'invalid_value') return i.values.map((v) => JSON.stringify(v));
  if (i.code === 'invalid_type') return [`${/^[aeiou]/.test(i.expected) ? 'an' : 'a'} ${i.expected}`];
  if (i.code === 'invalid_union') return i.errors.flatMap((b) => b.flatMap(accepted));
  return [];
}

function orList(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? 'something else') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** `; got <value>` when the parse reported its input (`reportInput`). */
function got(issue: Issue): string {
  return 'input' in issue && issue.input !== undefined ? `; got ${JSON.stringify(issue.input)}` : '';
}

function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against the config reference`;
    case 'invalid_type':
      if (issue.message.endsWith('received undefined')) return `required: expected ${issue.expected}`;
      return issue.message;
    default:
      return issue.message;
  }
}
