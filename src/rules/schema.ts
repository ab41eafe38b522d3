import { z } from 'zod';
import { duration, id } from '../config/primitives.js';

/**
 * Conditions in json-rules-engine's format (`all`/`any`/`not`, `fact`, `operator`, `value`,
 * `params`, `path`), so rules written for it read the same here. `value` may be
 * `{ fact: name }` to compare two facts, as json-rules-engine allows.
 */
export const OPERATORS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'in',
  'notIn',
] as const;
export type Operator = (typeof OPERATORS)[number];

const scalar = z.union([z.number(), z.string(), z.boolean()]);
export const factRef = z.object({ fact: z.string().min(1), params: z.record(z.string(), z.unknown()).optional(), path: z.string().optional() }).strict();

export interface Leaf {
  fact: string;
  operator: Operator;
  value: number | string | boolean | (number | string | boolean)[] | { fact: string; params?: Record<string, unknown> | undefined; path?: string | undefined };
  params?: Record<string, unknown> | undefined;
  path?: string | undefined;
}
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Leaf;

/** The known operator closest to a misspelt one (`greaterThen` → `greaterThan`), if any is close. */
function closestOperator(s: string): Operator | undefined {
  let best: Operator | undefined;
  let bestD = Math.max(2, Math.floor(s.length / 4)) + 1;
  for (const op of OPERATORS) {
    const d = editDistance(s.toLowerCase(), op.toLowerCase());
    if (d < bestD) (best = op), (bestD = d);
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

const operator = z.enum(OPERATORS, {
  error: (iss) => {
    if (iss.input === undefined) return `required: expected an operator, one of ${OPERATORS.join(', ')}`;
    const near = typeof iss.input === 'string' ? closestOperator(iss.input) : undefined;
    return `unknown operator ${JSON.stringify(iss.input)}${near ? ` (did you mean ${near}?)` : ''}; expected one of ${OPERATORS.join(', ')}`;
  },
});

const leaf = z
  .object({
    fact: z.string().min(1),
    operator,
    value: z.union([scalar, z.array(scalar), factRef]),
    params: z.record(z.string(), z.unknown()).optional(),
    path: z.string().optional(),
  })
  .strict();

/** When the input is like none of them, one message says what a condition looks like. */
const CONDITION_SHAPES = 'expected a condition: { all: [...] }, { any: [...] }, { not: {...} } or { fact, operator, value }';

export const condition: z.ZodType<Condition> = z.lazy(() =>
  z.union(
    [
      z.object({ all: z.array(condition).min(1) }).strict(),
      z.object({ any: z.array(condition).min(1) }).strict(),
      z.object({ not: condition }).strict(),
      leaf,
    ],
    { error: CONDITION_SHAPES },
  ),
);

const part = z
  .object({ number: z.string().min(1), description: z.string().optional(), quantity: z.number().positive().default(1) })
  .strict();

export const workOrderTemplate = z
  .object({
    /** `{{asset.name}}`, `{{value.<tag>}}`, `{{unit.<tag>}}`, `{{rule.name}}`, `{{priority}}` and more; see README. */
    title: z.string().min(1),
    description: z.string().default(''),
    safety: z.array(z.string()).default([]),
    parts: z.array(part).default([]),
    /** Work type as CMMS use it: CM (corrective), PM (preventive), PdM (predictive/condition-based). */
    type: z.enum(['CM', 'PM', 'PdM']).default('PdM'),
    estimatedHours: z.number().positive().optional(),
  })
  .strict();

/** A rule's fields, without the checks across fields (see {@link ruleSchema}). */
export const ruleFields = z
  .object({
    id,
    name: z.string().min(1),
    description: z.string().optional(),
    enabled: z.boolean().default(true),
    /** Which assets: one id, a list of ids, or a selector on class / id / criticality. */
    asset: id.optional(),
    assets: z.array(id).optional(),
    selector: z
      .object({
        class: id.optional(),
        criticality: z.enum(['A', 'B', 'C']).optional(),
        ids: z.array(id).optional(),
        /** Asset attributes that must all match, e.g. `{ machineGroup: 2, foundation: rigid }`. */
        attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
        /** Tags or meters the asset must have: a library rule applies only where it can be evaluated. */
        tags: z.array(id).optional(),
      })
      .strict()
      .optional(),
    /** Work-order priority: 1 critical (production stopped or safety), 2 high, 3 medium, 4 low. */
    priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
    conditions: condition,
    /** Explicit return-to-normal condition; without it the alarm clears when `conditions` turn false (after `deadband`). */
    clear: condition.optional(),
    /** Hysteresis for numeric comparisons: a `greaterThan 80` alarm with deadband 5 clears below 75. */
    deadband: z.number().min(0).default(0),
    /** The condition must hold this long before the alarm raises (ISA-18.2 on-delay). */
    onDelay: duration.default(0),
    /** The alarm clears only after the return-to-normal holds this long (off-delay). */
    offDelay: duration.default(0),
    /**
     * The failure mode this rule watches (`bearing-wear`, `vibration-severity`): while an order
     * for this group and asset is open, further episodes of every rule of the group update that
     * order instead of making a new one. Default: the rule's own id.
     */
    group: id.optional(),
    /**
     * `completion` (default): one open order per group and asset, consolidated as above, until the
     * CMMS completes or cancels it. `clear`: every episode after a return to normal orders anew
     * (no consolidation).
     */
    rearm: z.enum(['clear', 'completion']).default('completion'),
    /**
     * For targets that never report status back: how long an order counts as open, after which a
     * new episode orders again. Default: the site's `workOrders.consolidation.renotify` (7 days).
     */
    renotify: duration.optional(),
    /**
     * Repeating alarm (EEMUA 191): raised more than `perHour` times within an hour or `perDay`
     * within a day. While repeating, its raises make no order and no update; it is a bad actor.
     */
    repeating: z
      .object({ perHour: z.number().int().min(1).default(5), perDay: z.number().int().min(1).default(12) })
      .strict()
      .default({ perHour: 5, perDay: 12 }),
    /** Longest an operator may shelve this alarm (ISA-18.2 §11.6: shelving is time-limited). */
    maxShelve: duration.default(8 * 3_600_000),
    /** Chattering: this many raise/clear transitions within `window` (ISA-18.2 §16.5: 3 a minute). */
    chatter: z
      .object({ count: z.number().int().min(2).default(3), window: duration.default(60_000) })
      .strict()
      .default({ count: 3, window: 60_000 }),
    workOrder: workOrderTemplate,
  })
  .strict();

export const ruleSchema = ruleFields.superRefine(
  (r, ctx) => {
    const n = Number(r.asset !== undefined) + Number(r.assets !== undefined) + Number(r.selector !== undefined);
    if (n !== 1) ctx.addIssue({ code: 'custom', path: ['asset'], message: 'expected exactly one of `asset`, `assets` or `selector`' });
  },
  // Checked even when other fields have problems: every problem of a rule at once.
  { when: (p) => typeof p.value === 'object' && p.value !== null },
);

export const ruleFileSchema = z.object({ rules: z.array(ruleSchema) }).strict();

export type RuleConfig = z.output<typeof ruleSchema>;
export type WorkOrderTemplate = z.output<typeof workOrderTemplate>;
