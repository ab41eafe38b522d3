import type { AssetInfo } from '../core/asset.js';
import type { RuleInstance } from '../rules/load.js';
import type { Condition, Leaf } from '../rules/schema.js';

/**
 * What a rule instance reads, as the health and the asset page need it: its comparisons of a tag
 * with a constant (limits to draw), its trend predictions (`timeToLimit`) and the usage meters it
 * compares with a due value (PM). Read from the rule as written, paired with the compiled leaves
 * for their current values (the compiler keeps the leaves in the order it meets them, once each;
 * that order is the walk below).
 */

/** The condition's leaves in the compiler's order, each once. */
function leavesOf(c: Condition, out: Leaf[] = [], seen = new Set<Leaf>()): Leaf[] {
  if ('all' in c) for (const x of c.all) leavesOf(x, out, seen);
  else if ('any' in c) for (const x of c.any) leavesOf(x, out, seen);
  else if ('not' in c) leavesOf(c.not, out, seen);
  else if (!seen.has(c)) {
    seen.add(c);
    out.push(c);
  }
  return out;
}

export interface RuleLimit {
  rule: string;
  name: string;
  priority: number;
  tag: string;
  operator: string;
  value: number;
}

export interface RuleTrend {
  rule: string;
  name: string;
  tag: string;
  limit: number;
  /** The regression window as written (`24h`). */
  window: string;
  /** Hours to the limit now: Infinity when the trend does not head there, NaN when unknown yet. */
  hours: number;
}

export interface RulePm {
  rule: string;
  name: string;
  meter: string;
  due: number;
  value: number;
  unit: string;
}

export interface RuleReads {
  limits: RuleLimit[];
  trends: RuleTrend[];
  pm: RulePm[];
}

const COMPARE = new Set(['greaterThan', 'greaterThanInclusive', 'lessThan', 'lessThanInclusive']);

/** Reads one instance (its `conditions`; a `clear` condition draws nothing). */
export function ruleReads(inst: RuleInstance, asset: AssetInfo, out: RuleReads = { limits: [], trends: [], pm: [] }): RuleReads {
  const written = leavesOf(inst.rule.conditions);
  const { id: rule, name, priority } = inst.rule;
  written.forEach((l, i) => {
    const compiled = inst.compiled.leaves[i];
    const p = l.params ?? {};
    // Another asset's tag is not this asset's to draw.
    if (compiled === undefined || (typeof p.asset === 'string' && p.asset !== asset.id) || typeof l.value !== 'number') return;
    const stat = p.stat ?? 'latest';
    const meter = asset.meters.find((m) => m.id === l.fact);
    if (meter && (l.operator === 'greaterThan' || l.operator === 'greaterThanInclusive')) {
      out.pm.push({ rule, name, meter: meter.id, due: l.value, value: compiled.binding.read(), unit: compiled.binding.unit ?? '' });
    } else if (stat === 'timeToLimit' && typeof p.limit === 'number' && (l.operator === 'lessThan' || l.operator === 'lessThanInclusive')) {
      out.trends.push({ rule, name, tag: l.fact, limit: p.limit, window: String(p.window), hours: compiled.binding.read() });
    } else if (stat === 'latest' && COMPARE.has(l.operator) && asset.tags.some((t) => t.id === l.fact)) {
      out.limits.push({ rule, name, priority, tag: l.fact, operator: l.operator, value: l.value });
    }
  });
  return out;
}
