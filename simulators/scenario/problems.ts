import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/**
 * Scenario file problems, each with file, line, path and what was expected, all at once (the
 * simulators' small counterpart of the gateway's config problems: simulators import only core).
 */
export interface ScenarioProblem {
  file: string;
  path: string;
  line?: number;
  message: string;
}

export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in scenario:\n${problems.map((p) => `  ${describe(p)}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

export function describe(p: ScenarioProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export function pathText(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** The line of the deepest YAML node on `path` that exists. */
function lineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let start = (node as { range?: number[] } | null)?.range?.[0];
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) next = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key)?.value;
    else if (isSeq(node) && typeof key === 'number') next = node.items[key];
    if (!next || typeof next !== 'object') break;
    node = next;
    start = (next as { range?: number[] }).range?.[0] ?? start;
  }
  return start === undefined ? undefined : lc.linePos(start).line;
}

export interface ParsedFile<T> {
  value: T;
  /** Line of a path, for problems found after validation. */
  at(path: readonly PropertyKey[], message: string): ScenarioProblem;
}

/** Reads YAML and validates it; throws a {@link ScenarioError} with every problem. */
export function readValidated<S extends z.ZodType>(file: string, schema: S): ParsedFile<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError([{ file, path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) throw new ScenarioError(doc.errors.slice(0, 5).map((e) => ({ file, path: '', line: e.linePos?.[0]?.line, message: `YAML syntax: ${e.message.split('\n')[0]}` })));
  const at = (path: readonly PropertyKey[], message: string): ScenarioProblem => ({ file, path: pathText(path), line: lineOf(doc, lc, path), message });
  const r = schema.safeParse(doc.toJS());
  if (!r.success) {
    throw new ScenarioError(
      r.error.issues.map((i) =>
        at(i.path, i.code === 'unrecognized_keys' ? `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}; see docs/simulators.md for the scenario format` : i.message.replace(/^Invalid input: /, '')),
      ),
    );
  }
  return { value: r.data, at };
}
