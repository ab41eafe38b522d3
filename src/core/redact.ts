/**
 * Keeps secrets out of what the gateway says: log lines, error messages (which reach the API, the
 * metrics' labels and the store's `last_error`), status details. Two nets:
 *
 * - credentials inside a URL (`http://user:pass@host`, `mqtts://token@broker`) are masked
 *   wherever a URL appears in a text, whatever the secret;
 * - every secret value the config loader read (passwords, tokens, API keys, shared secrets, from
 *   the file, `${ENV}` or a `*File`) is registered here and replaced wherever it appears, as CI
 *   systems mask their secrets in build logs.
 *
 * The registry is per process: a secret is a secret for every part of it.
 */

export const REDACTED = '[redacted]';

/** Shorter values are not masked in free text: "1" or "abc" would garble every line that has them. */
const MIN_MASKED_LENGTH = 4;

const secrets = new Set<string>();
/** The registered secrets, longest first (a secret inside another must not leave a part of it showing). */
let ordered: string[] = [];

/** Registers a secret value: from now on {@link redactText} replaces it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_MASKED_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  // Also as a URL would carry it (percent-encoded), and as JSON would (escaped).
  for (const v of [encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) if (v !== value) secrets.add(v);
  ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** How many values are registered (for tests and the start-up log). */
export function registeredSecrets(): number {
  return secrets.size;
}

// scheme://userinfo@ — userinfo has no '/', '?', '#', '@' or whitespace (RFC 3986 §3.2.1).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]+)@/gi;

/** `scheme://user:***@host…`, or `scheme://***@host…` when the user part alone is the credential. */
function maskUserinfo(_m: string, scheme: string, userinfo: string): string {
  const colon = userinfo.indexOf(':');
  return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
}

/** A URL as it may be shown: any password (or user-only token) in it masked. */
export function redactUrl(url: string): string {
  return url.replace(URL_USERINFO, maskUserinfo);
}

/** A text with URL credentials masked and every registered secret replaced by {@link REDACTED}. */
export function redactText(text: string): string {
  let out = text.includes('://') ? text.replace(URL_USERINFO, maskUserinfo) : text;
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * A log record or answer with every string in it redacted (objects and arrays copied, up to
 * `depth` levels; deeper values are left out rather than walked without end). Errors become their
 * redacted message.
 */
export function redactValue(v: unknown, depth = 6): unknown {
  if (typeof v === 'string') return redactText(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth <= 0) return '[…]';
  if (v instanceof Error) return { name: v.name, message: redactText(v.message) };
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth - 1));
  if (Buffer.isBuffer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactValue(x, depth - 1);
  return out;
}
