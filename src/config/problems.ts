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
  return error.issues.map((issue) => {
    const path = issue.path as PropertyKey[];
    const pos = doc && lc ? locate(doc, lc, path) : undefined;
    return { file, path: formatPath(path), ...(pos ?? {}), message: describeIssue(issue) };
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
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
