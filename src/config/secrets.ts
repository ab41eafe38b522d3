import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { registerSecret } from '../core/redact.js';
import { formatPath, type Problem } from './problems.js';

/**
 * Settings whose values are secrets. Each may instead be given as `<key>File`, a path to a file
 * holding it (Docker and systemd secrets: `/run/secrets/<name>`, `$CREDENTIALS_DIRECTORY/<name>`),
 * read once when the config loads, one trailing newline trimmed. Every secret value the config
 * ends up with is registered for redaction (src/core/redact.ts), wherever it came from.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'token', 'apiKey', 'secret']);

/** Header names whose values are credentials (a webhook's `Authorization: Bearer …`). */
const SECRET_HEADER = /authorization|token|secret|password|api[-_]?key|cookie/i;

/** Where a path in the document is, for a problem's line and column. */
export type Locate = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

function readSecretFile(p: string, baseDir: string): string {
  const text = readFileSync(isAbsolute(p) ? p : resolve(baseDir, p), 'utf8');
  return text.replace(/\r?\n$/, '');
}

/**
 * Replaces every `<secret>File: path` (for the keys in {@link SECRET_KEYS}) with `<secret>: <the
 * file's content>`, in place of the parsed document, before validation. A file that cannot be
 * read, an empty one, or both forms given are problems naming the line.
 */
export function resolveSecretFiles(value: unknown, baseDir: string, file: string, problems: Problem[], locate: Locate, path: PropertyKey[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveSecretFiles(v, baseDir, file, problems, locate, [...path, i]));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const src = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(src)) {
    const key = k.endsWith('File') ? k.slice(0, -4) : undefined;
    if (key === undefined || !SECRET_KEYS.has(key)) {
      out[k] = resolveSecretFiles(v, baseDir, file, problems, locate, [...path, k]);
      continue;
    }
    const at = [...path, k];
    const problem = (message: string) => problems.push({ file, path: formatPath(at), ...(locate(at) ?? {}), message });
    if (key in src) {
      problem(`expected \`${key}\` or \`${k}\`, not both`);
      continue;
    }
    if (typeof v !== 'string' || v === '') {
      problem(`expected the path of a file holding the ${key} (e.g. /run/secrets/<name>)`);
      continue;
    }
    try {
      const secret = readSecretFile(v, baseDir);
      if (secret === '') problem(`secret file ${v} is empty`);
      else out[key] = secret;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problem(`cannot read secret file ${v}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
    }
  }
  return out;
}

/** The password (or the user part, when alone) of a URL's userinfo, decoded. */
function urlCredential(s: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^\s/?#@]+)@/i.exec(s);
  if (!m) return undefined;
  const info = m[1]!;
  const colon = info.indexOf(':');
  const raw = colon < 0 ? info : info.slice(colon + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Registers every secret of a validated config for redaction: values of the secret keys, values of
 * credential headers, and the passwords inside URLs.
 */
export function registerConfigSecrets(value: unknown, key?: string, inHeaders = false): void {
  if (typeof value === 'string') {
    if ((key !== undefined && SECRET_KEYS.has(key)) || (inHeaders && key !== undefined && SECRET_HEADER.test(key))) registerSecret(value);
    const cred = value.includes('@') ? urlCredential(value) : undefined;
    if (cred !== undefined) registerSecret(cred);
    return;
  }
  if (Array.isArray(value)) for (const v of value) registerConfigSecrets(v);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) registerConfigSecrets(v, k, key === 'headers');
}
