import type { Condition, Leaf, Operator } from './schema.js';
import type { FactBinding, FactResolver } from './facts.js';

export type Predicate = () => boolean;

/** A comparison as evidence reports it: which fact, which operator, which limit. */
export interface CompiledLeaf {
  fact: string;
  operator: Operator;
  limit: number | number[] | string;
  binding: FactBinding;
}

export interface Compiled {
  /** The condition as written. */
  test: Predicate;
  /**
   * The condition with numeric limits relaxed by the deadband (`> 80` becomes `> 75`): while
   * an alarm is active it stays active as long as this holds, so noise around a limit does not
   * toggle it (ISA-18.2 deadband). A comparison on a window statistic left unknown by Bad data
   * ({@link FactBinding.badData}) counts as holding here: unknown does not return an alarm to normal.
   */
  hold: Predicate;
  leaves: CompiledLeaf[];
  tags: Set<number>;
  /** Reads a fact that changes with time alone: evaluate on ticks too. */
  timed: boolean;
  /**
   * Set when the whole condition is one comparison of a tag's latest value with a constant
   * (most threshold rules): the engine tests it inline on typed arrays, without the closures.
   */
  simple: InlineLeaf | undefined;
  /**
   * Set when the condition is `any` or `all` of such comparisons (a high-high or a two-sensor
   * rule): the engine tests a quiet alarm's leaves inline and skips the rule when it cannot raise.
   */
  group: { mode: 'any' | 'all'; leaves: InlineLeaf[] } | undefined;
}

/** A comparison of a tag's latest value (or a window's average cell) with a constant. */
export interface InlineLeaf {
  tag: number;
  op: SimpleOp;
  limit: number;
  cell: Float64Array | undefined;
}

/** Longest `any` / `all` the engine tests inline (beyond: the closures). */
export const MAX_GROUP_LEAVES = 8;

/** Inline comparison codes: 1 >, 2 >=, 3 <, 4 <=. */
export type SimpleOp = 1 | 2 | 3 | 4;
const SIMPLE_OPS: Partial<Record<Operator, SimpleOp>> = { greaterThan: 1, greaterThanInclusive: 2, lessThan: 3, lessThanInclusive: 4 };

function unwrap(c: Condition): Condition {
  if ('all' in c && c.all.length === 1) return unwrap(c.all[0]!);
  if ('any' in c && c.any.length === 1) return unwrap(c.any[0]!);
  return c;
}

/** `p`, or true while one of `facts` is unknown by Bad data (what holding an active alarm reads). */
function keepUnknown(p: Predicate, facts: readonly FactBinding[]): Predicate {
  const [g0, g1] = facts.map((f) => f.badData).filter((g) => g !== undefined);
  if (!g0) return p;
  return g1 ? () => p() || g0.unknown() || g1.unknown() : () => p() || g0.unknown();
}

export class CompileError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function toNumber(v: unknown, path: (string | number)[]): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new CompileError(path, `expected a number or boolean, got ${JSON.stringify(v)}`);
}

/**
 * Compiles a json-rules-engine condition into closures over the fact readers. json-rules-engine
 * stays the reference: a differential test checks both agree on random inputs.
 */
export function compileCondition(cond: Condition, assetId: string, resolve: FactResolver, deadband = 0, instanceKey = ''): Compiled {
  const leaves: CompiledLeaf[] = [];
  const tags = new Set<number>();
  let timed = false;
  let gated = false;

  /** `path` is the leaf (or fact reference); the error points at its `params` or its `fact`. */
  const bind = (fact: string, params: Record<string, unknown> | undefined, path: (string | number)[]): FactBinding => {
    const b = resolve(fact, params, assetId, instanceKey);
    if (typeof b === 'string') throw new CompileError([...path, b.startsWith('params') ? 'params' : 'fact'], b);
    for (const t of b.tags) tags.add(t);
    timed ||= b.timed;
    gated ||= b.badData !== undefined;
    return b;
  };

  // relax > 0 widens the "true" side of each comparison by the deadband; `not` flips its sign.
  // keep > 0 (the hold condition, outside a `not`): a comparison whose fact is unknown by Bad data
  // holds, so an active alarm stays active while its fact is unknown. Inside a `not` the comparison
  // is false, as on any unknown value, and the `not` makes that holding too.
  const build = (c: Condition, path: (string | number)[], relax: number, keep: number): Predicate => {
    if ('all' in c) {
      const ps = c.all.map((x, i) => build(x, [...path, 'all', i], relax, keep));
      if (ps.length === 1) return ps[0]!;
      return () => {
        for (let i = 0; i < ps.length; i++) if (!ps[i]!()) return false;
        return true;
      };
    }
    if ('any' in c) {
      const ps = c.any.map((x, i) => build(x, [...path, 'any', i], relax, keep));
      if (ps.length === 1) return ps[0]!;
      return () => {
        for (let i = 0; i < ps.length; i++) if (ps[i]!()) return true;
        return false;
      };
    }
    if ('not' in c) {
      const p = build(c.not, [...path, 'not'], -relax, -keep);
      return () => !p();
    }
    const facts: FactBinding[] = [];
    const p = buildLeaf(c, path, relax, facts);
    return keep > 0 ? keepUnknown(p, facts) : p;
  };

  // Compile-time only; dropped at the end: the predicates' closures keep this function's context
  // (and whatever it still holds) alive as long as the rule is loaded.
  let seenLeaves: Set<Leaf> | undefined = new Set<Leaf>();
  let leafOf: Map<Leaf, CompiledLeaf> | undefined = new Map<Leaf, CompiledLeaf>();
  /** A comparison; `facts` receives the bindings it reads. */
  const buildLeaf = (l: Leaf, path: (string | number)[], relax: number, facts: FactBinding[]): Predicate => {
    const a = bind(l.fact, l.params, path);
    facts.push(a);
    const declared = l.params?.unit;
    if (declared !== undefined && declared !== a.unit) {
      throw new CompileError([...path, 'params', 'unit'], `unit mismatch: the rule says ${JSON.stringify(declared)}, the fact is in ${JSON.stringify(a.unit ?? 'no unit')}`);
    }
    if (l.path !== undefined) throw new CompileError([...path, 'path'], '`path` is not supported: facts are numbers');
    const v = l.value;
    let rhs: () => number;
    let limit: CompiledLeaf['limit'];
    if (Array.isArray(v)) {
      if (l.operator !== 'in' && l.operator !== 'notIn') throw new CompileError([...path, 'value'], `expected a single value for operator ${l.operator}`);
      const set = v.map((x, i) => toNumber(x, [...path, 'value', i]));
      const read = a.read;
      if (!seenLeaves!.has(l)) leaves.push({ fact: l.fact, operator: l.operator, limit: set, binding: a });
      seenLeaves!.add(l);
      return l.operator === 'in' ? () => set.includes(read()) : () => { const x = read(); return !Number.isNaN(x) && !set.includes(x); };
    }
    if (l.operator === 'in' || l.operator === 'notIn') throw new CompileError([...path, 'value'], `expected a list of values for operator ${l.operator}`);
    if (typeof v === 'object') {
      const b = bind(v.fact, v.params, [...path, 'value']);
      facts.push(b);
      rhs = b.read;
      limit = `fact:${v.fact}`;
    } else {
      const n = toNumber(v, [...path, 'value']);
      rhs = () => n;
      limit = n;
    }
    if (!seenLeaves!.has(l)) {
      const cl: CompiledLeaf = { fact: l.fact, operator: l.operator, limit, binding: a };
      leaves.push(cl);
      leafOf!.set(l, cl);
    }
    seenLeaves!.add(l);
    const read = a.read;
    const d = relax;
    switch (l.operator) {
      case 'greaterThan':
        return () => read() > rhs() - d;
      case 'greaterThanInclusive':
        return () => read() >= rhs() - d;
      case 'lessThan':
        return () => read() < rhs() + d;
      case 'lessThanInclusive':
        return () => read() <= rhs() + d;
      case 'equal':
        return () => read() === rhs();
      case 'notEqual':
        return () => { const x = read(); return !Number.isNaN(x) && x !== rhs(); };
    }
  };

  const test = build(cond, [], 0, 0);
  const hold = deadband > 0 || gated ? build(cond, [], deadband, 1) : test;
  const inline = (l: CompiledLeaf | undefined): InlineLeaf | undefined => {
    if (!l) return undefined;
    const op = SIMPLE_OPS[l.operator];
    const tag = l.binding.plainTag ?? (l.binding.cell ? l.binding.tags[0] : undefined);
    return op !== undefined && typeof l.limit === 'number' && tag !== undefined ? { tag, op, limit: l.limit, cell: l.binding.cell } : undefined;
  };
  let simple: Compiled['simple'];
  let group: Compiled['group'];
  const top = unwrap(cond);
  if ('fact' in top) simple = inline(leafOf.get(top));
  else if ('all' in top || 'any' in top) {
    const ls: InlineLeaf[] = [];
    for (const c of ('all' in top ? top.all : top.any)) {
      const u = unwrap(c);
      const l = 'fact' in u ? inline(leafOf.get(u)) : undefined;
      if (!l) break;
      ls.push(l);
    }
    if (ls.length === ('all' in top ? top.all : top.any).length && ls.length <= MAX_GROUP_LEAVES) group = { mode: 'all' in top ? 'all' : 'any', leaves: ls };
  }
  seenLeaves = leafOf = undefined;
  return { test, hold, leaves, tags, timed, simple, group };
}
