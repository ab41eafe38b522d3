import { resolveRef, type Scenario } from './load.js';
import type { ExpectedOrder } from './schema.js';
import { formatSpan } from './time.js';

/** A work order as the gateway created it, reduced to what expectations speak of. */
export interface ActualOrder {
  asset: string;
  rule: string;
  priority: number;
  /** When the alarm that made it was raised (plant time). */
  ts: number;
  title?: string;
}

export interface Verdict {
  ok: boolean;
  /** One line per unmet expectation, forbidden or unexpected order. */
  problems: string[];
  /** Every expectation with the orders that met it, for a reader. */
  report: string[];
}

export function ruleMatches(pattern: string | string[], rule: string): boolean {
  const list = Array.isArray(pattern) ? pattern : [pattern];
  return list.some((p) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(rule));
}

const bounds = (c: ExpectedOrder['count']) => (typeof c === 'number' ? { min: c, max: c } : c);

/**
 * Compares the orders a run created with what the scenario expects: each expectation claims the
 * orders on its asset whose rule (and priority) match, and wants `count` of them inside its time
 * window; forbidden orders and orders nobody expected are problems too.
 */
export function judge(s: Scenario, orders: readonly ActualOrder[]): Verdict {
  const at = (t: number) => `+${formatSpan(t - s.start)}`;
  const show = (o: ActualOrder) => `${o.asset} ${o.rule} P${o.priority} at ${at(o.ts)}`;
  const problems: string[] = [];
  const report: string[] = [];
  const claimed = new Set<ActualOrder>();
  for (const e of s.def.expect.orders) {
    const { min, max } = bounds(e.count);
    const from = e.after ? resolveRef(s, e.after) ?? s.end : s.start;
    const to = e.before ? resolveRef(s, e.before) ?? s.end : s.end;
    const matched = orders.filter((o) => !claimed.has(o) && o.asset === e.asset && ruleMatches(e.rule, o.rule) && (e.priority === undefined || o.priority === e.priority));
    matched.forEach((o) => claimed.add(o));
    const inside = matched.filter((o) => o.ts >= from && o.ts <= to);
    const what = `${e.asset} ${[e.rule].flat().join('|')}${e.priority ? ` P${e.priority}` : ''}${e.failureMode ? ` (${e.failureMode})` : ''}`;
    const window = `${e.after ? `after ${e.after.text} (${at(from)})` : 'from the start'}, ${e.before ? `before ${e.before.text} (${at(to)})` : 'to the end'}`;
    report.push(`expected ${min === max ? min : `${min}-${max}`} × ${what}, ${window}: ${matched.length ? matched.map(show).join('; ') : 'none'}`);
    if (inside.length < min) problems.push(`missing: ${min - inside.length} × ${what} ${window}; got ${matched.length ? matched.map(show).join('; ') : 'no such order'}`);
    if (matched.length > max) problems.push(`too many: ${matched.length} × ${what}, expected at most ${max}: ${matched.map(show).join('; ')}`);
    for (const o of matched) if (!inside.includes(o)) problems.push(`outside its window (${window}): ${show(o)}`);
  }
  for (const f of s.def.expect.forbid) {
    const hit = orders.filter((o) => (f.asset === undefined || o.asset === f.asset) && (f.rule === undefined || ruleMatches(f.rule, o.rule)));
    if (hit.length) problems.push(`forbidden (${f.why ?? `${f.asset ?? 'any asset'} ${[f.rule ?? '*'].flat().join('|')}`}): ${hit.length} order${hit.length > 1 ? 's' : ''}, first ${hit.slice(0, 3).map(show).join('; ')}`);
  }
  const others = orders.filter((o) => !claimed.has(o));
  if (others.length) {
    report.push(`not expected: ${others.length}${others.length ? `: ${others.slice(0, 10).map(show).join('; ')}${others.length > 10 ? ' …' : ''}` : ''}`);
    if (!s.def.expect.othersAllowed) problems.push(`unexpected: ${others.length} order${others.length > 1 ? 's' : ''}, e.g. ${others.slice(0, 5).map(show).join('; ')}`);
  }
  return { ok: problems.length === 0, problems, report };
}

/** Differences between two runs' orders (live and replayed): same asset, rule and priority, times within `tolerance`. */
export function compareRuns(a: readonly ActualOrder[], b: readonly ActualOrder[], tolerance: number, start: number): string[] {
  const key = (o: ActualOrder) => `${o.asset} ${o.rule} P${o.priority}`;
  const group = (xs: readonly ActualOrder[]) => {
    const m = new Map<string, number[]>();
    for (const o of xs) m.set(key(o), [...(m.get(key(o)) ?? []), o.ts].sort((x, y) => x - y));
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  const diffs: string[] = [];
  for (const k of new Set([...ga.keys(), ...gb.keys()])) {
    const ta = ga.get(k) ?? [];
    const tb = gb.get(k) ?? [];
    if (ta.length !== tb.length) diffs.push(`${k}: ${ta.length} live, ${tb.length} replayed`);
    else ta.forEach((t, i) => Math.abs(t - tb[i]!) > tolerance && diffs.push(`${k}: live at +${formatSpan(t - start)}, replayed at +${formatSpan(tb[i]! - start)}`));
  }
  return diffs;
}
