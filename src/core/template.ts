/**
 * Work-order text templates: `{{asset.name}}`, `{{value.bearing_temp}}`, `{{unit.bearing_temp}}`,
 * `{{limit.bearing_temp}}`, `{{rule.name}}`, `{{priority}}`, `{{time}}`. Numbers print with at
 * most two decimals. Paths are checked when the rule loads, not when the order is written.
 */
export type TemplateContext = Record<string, unknown>;

const EXPR = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export function templatePaths(tpl: string): string[] {
  return [...tpl.matchAll(EXPR)].map((m) => m[1]!);
}

function lookup(ctx: TemplateContext, path: string): unknown {
  let cur: unknown = ctx;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'n/a';
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
  }
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(formatValue).join(', ');
  return String(v);
}

export function renderTemplate(tpl: string, ctx: TemplateContext): string {
  return tpl.replace(EXPR, (_m, path: string) => formatValue(lookup(ctx, path)));
}

/** Checks a template's paths against the roots and keys a rule instance will provide. */
export function checkTemplate(tpl: string, known: Record<string, ReadonlySet<string> | null>): string[] {
  const problems: string[] = [];
  for (const p of templatePaths(tpl)) {
    const [root, key] = p.split('.');
    if (!(root! in known)) {
      problems.push(`unknown template variable "{{${p}}}"; expected one of ${Object.keys(known).map((k) => `${k}${known[k] ? '.<…>' : ''}`).join(', ')}`);
      continue;
    }
    const keys = known[root!];
    if (keys && key !== undefined && !keys.has(key)) problems.push(`"{{${p}}}": no "${key}" in ${root} (known: ${[...keys].join(', ')})`);
  }
  return problems;
}
