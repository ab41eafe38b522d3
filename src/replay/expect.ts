import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { duration, parseDuration } from '../config/duration.js';
import { id } from '../config/primitives.js';
import { ProblemsError, zodProblems, type Problem } from '../config/problems.js';
import { readYaml } from '../config/yaml-file.js';
import { isoTime, parseTimestamp } from '../core/timestamp.js';
import type { ReplayEvent } from './events.js';

/** A time: ISO 8601, epoch seconds or milliseconds, or `+<duration>` after the first sample. */
const when = z.union([z.string(), z.number()]);

const expectedOrder = z
  .object({
    asset: id,
    rule: id,
    priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
    /** The order's time, give or take `tolerance` (default 0). */
    at: when.optional(),
    tolerance: duration.optional(),
    /** Or a window: no earlier than `after`, no later than `before` (either may be left open). */
    after: when.optional(),
    before: when.optional(),
    note: z.string().optional(),
    // A work-order line as `rules test --json` prints it: `ts` is its time; the rest is ignored.
    type: z.literal('workorder').optional(),
    ts: when.optional(),
    episode: z.number().optional(),
    title: z.string().optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.at !== undefined || o.ts !== undefined) && (o.after !== undefined || o.before !== undefined)) ctx.addIssue({ code: 'custom', path: ['at'], message: 'expected either at (± tolerance) or after/before, not both' });
  });

const expectFile = z.object({ orders: z.array(z.unknown()) }).strict();

type Entry = z.output<typeof expectedOrder>;

/** An expected work order: which rule on which asset, at which priority, in which time window. */
export interface ExpectedOrder {
  asset: string;
  rule: string;
  priority: number | undefined;
  /** The window, epoch ms, inclusive; relative times resolved against the replay's first sample. */
  from: number;
  to: number;
  /** Where it was written, for the report. */
  file: string;
  line: number | undefined;
}

interface Pending {
  entry: Entry;
  /** Where it is: `orders[2]` and its line and column (YAML), or its line (NDJSON). */
  path: string;
  line: number | undefined;
  column?: number;
}

/**
 * Reads expected work orders: YAML (`orders:` a list) or NDJSON (one object a line; the lines
 * `rules test --json` prints can be used as they are: work-order lines are expectations, other
 * lines are skipped). Every problem of the file comes back at once.
 */
export function readExpectations(file: string, start: number): ExpectedOrder[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProblemsError('CBM_ERR_BAD_REQUEST', [{ file, path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  const ndjson = /\.(nd)?jsonl?$/i.test(file) || (!/\.ya?ml$/i.test(file) && text.trimStart().startsWith('{'));
  const problems: Problem[] = [];
  const pending: Pending[] = [];
  if (ndjson) {
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        problems.push({ file, path: '', line: i + 1, message: `not JSON: ${(e as Error).message}` });
        return;
      }
      if (typeof obj === 'object' && obj !== null && 'type' in obj && obj.type !== 'workorder') return;
      const r = expectedOrder.safeParse(obj, { reportInput: true });
      if (r.success) pending.push({ entry: r.data, path: '', line: i + 1 });
      else problems.push(...zodProblems(file, r.error).map((p) => ({ ...p, line: i + 1 })));
    });
  } else {
    const y = readYaml(file, process.env, text);
    if (y.problems.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', y.problems);
    const r = expectFile.safeParse(y.data, { reportInput: true });
    if (!r.success) throw new ProblemsError('CBM_ERR_BAD_REQUEST', zodProblems(file, r.error, y.doc, y.lc));
    const seq = y.doc.get('orders', true) as { items?: { range?: [number, number, number] }[] } | undefined;
    // Each entry on its own: one entry's mistake hides no other's.
    r.data.orders.forEach((raw, i) => {
      const e = expectedOrder.safeParse(raw, { reportInput: true });
      if (!e.success) return problems.push(...zodProblems(file, new z.ZodError(e.error.issues.map((x) => ({ ...x, path: ['orders', i, ...x.path] }))), y.doc, y.lc));
      const at = seq?.items?.[i]?.range?.[0];
      const pos = at === undefined ? undefined : y.lc.linePos(at);
      pending.push({ entry: e.data, path: `orders[${i}]`, line: pos?.line, ...(pos ? { column: pos.col } : {}) });
    });
  }
  const out: ExpectedOrder[] = [];
  for (const { entry: e, path, line, column } of pending) {
    try {
      const at = e.at ?? e.ts;
      const tol = e.tolerance ?? 0;
      const from = at !== undefined ? timeOf(at, start) - tol : e.after !== undefined ? timeOf(e.after, start) : -Infinity;
      const to = at !== undefined ? timeOf(at, start) + tol : e.before !== undefined ? timeOf(e.before, start) : Infinity;
      out.push({ asset: e.asset, rule: e.rule, priority: e.priority, from, to, file, line });
    } catch (err) {
      problems.push({ file, path, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}), message: (err as Error).message });
    }
  }
  if (problems.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', problems);
  return out;
}

function timeOf(v: string | number, start: number): number {
  if (typeof v === 'string' && v.trim().startsWith('+')) {
    const d = parseDuration(v.trim().slice(1));
    if (d === undefined) throw new Error(`cannot read ${JSON.stringify(v)}: expected +<duration> after the first sample, such as +36h or +2d`);
    return start + d;
  }
  return parseTimestamp(typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v, 'auto');
}

/** What `--expect` found: orders matched, expected ones missing, orders nobody expected. */
export interface ExpectResult {
  type: 'expect';
  file: string;
  ok: boolean;
  expected: number;
  matched: number;
  missing: { asset: string; rule: string; priority: number | undefined; from: string | undefined; to: string | undefined; line: number | undefined }[];
  unexpected: { ts: string; asset: string; rule: string; priority: number; episode: number }[];
}

/**
 * Pairs expected orders with the work orders of a replay, each at most once: per rule and asset,
 * the expectations that close first take the earliest order in their window (which pairs as many
 * as can be paired).
 */
export function matchOrders(file: string, expected: readonly ExpectedOrder[], events: readonly ReplayEvent[]): ExpectResult {
  const orders = events.filter((e) => e.type === 'workorder').map((e) => ({ e, t: Date.parse(e.ts), used: false }));
  const missing: ExpectedOrder[] = [];
  const sorted = [...expected].sort((a, b) => a.to - b.to || a.from - b.from);
  for (const x of sorted) {
    const o = orders.find((c) => !c.used && c.e.asset === x.asset && c.e.rule === x.rule && (x.priority === undefined || c.e.priority === x.priority) && c.t >= x.from && c.t <= x.to);
    if (o) o.used = true;
    else missing.push(x);
  }
  const edge = (t: number) => (Number.isFinite(t) ? isoTime(t) : undefined);
  const unexpected = orders.filter((o) => !o.used).map(({ e }) => ({ ts: e.ts, asset: e.asset, rule: e.rule, priority: e.priority, episode: e.episode }));
  return {
    type: 'expect',
    file,
    ok: missing.length === 0 && unexpected.length === 0,
    expected: expected.length,
    matched: expected.length - missing.length,
    missing: missing.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)).map((m) => ({ asset: m.asset, rule: m.rule, priority: m.priority, from: edge(m.from), to: edge(m.to), line: m.line })),
    unexpected,
  };
}

export function formatExpectResult(r: ExpectResult): string {
  const out = [`Expected orders (${r.file}): ${r.matched} of ${r.expected} found${r.unexpected.length ? `, ${r.unexpected.length} unexpected` : ''}: ${r.ok ? 'OK' : 'MISMATCH'}`];
  for (const m of r.missing) {
    const window = !m.from && !m.to ? 'at any time' : m.from === m.to ? `at ${m.from}` : m.from && m.to ? `between ${m.from} and ${m.to}` : m.from ? `after ${m.from}` : `before ${m.to}`;
    out.push(`  missing     ${m.asset}  ${m.rule}${m.priority ? `  P${m.priority}` : ''}  ${window}${m.line ? `  (line ${m.line})` : ''}`);
  }
  for (const u of r.unexpected) out.push(`  unexpected  ${u.ts}  ${u.asset}  ${u.rule}  P${u.priority}  #${u.episode}`);
  return out.join('\n');
}
