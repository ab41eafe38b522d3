import { formatPath, type Problem } from './problems.js';
import type { Locate } from './secrets.js';

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed document with the
 * environment's values, so secrets stay out of the file. `$${` escapes a literal `${`.
 * Unset variables without a default are problems, reported with their path and, given `locate`,
 * the line that refers to them.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, file: string, problems: Problem[], path: PropertyKey[] = [], locate?: Locate): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const escaped = value.split('$${');
    const out = escaped.map((part) =>
      part.replace(VAR_RE, (_m, name: string, def: string | undefined) => {
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (def !== undefined) return def;
        problems.push({ file, path: formatPath(path), ...(locate?.(path) ?? {}), message: `environment variable ${name} is not set (use \${${name}:-default} for a default)` });
        return '';
      }),
    );
    return out.join('${');
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, file, problems, [...path, i], locate));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, file, problems, [...path, k], locate);
    return out;
  }
  return value;
}
