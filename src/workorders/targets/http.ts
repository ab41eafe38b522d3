import http from 'node:http';
import https from 'node:https';
import { CbmError, errorMessage } from '../../core/errors.js';
import { redactText } from '../../core/redact.js';

/**
 * The HTTP plumbing every CMMS target shares: one request with a deadline, and one mapping from
 * HTTP outcomes to our error codes, so each vendor module only says what is vendor-specific.
 *
 * 2xx → ok; 408 Request Timeout, 429 Too Many Requests (RFC 9110 §15.5.9, RFC 6585 §4), 5xx and
 * network failures → retryable; every other 4xx → rejected, not retryable. 401/403 say it is the
 * credentials, so an operator reading the dead letter knows where to look.
 */
export interface HttpResult {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

/**
 * An answer's headers, read the way fetch's `Headers` reads them (names case-insensitive,
 * repeats joined with ", ", Set-Cookie values apart), from node:http's raw name/value pairs. Not
 * the global `Headers`: its first use loads Node's whole fetch implementation (~20 ms of
 * compiling on the event loop at the first work order, +2 MB of heap, +10 MB RSS).
 */
export class ResponseHeaders {
  /** `raw`: [name, value, name, value, …] as node:http gives them. */
  constructor(private readonly raw: readonly string[] = []) {}

  get(name: string): string | null {
    const values = this.all(name);
    return values.length === 0 ? null : values.join(', ');
  }

  getSetCookie(): string[] {
    return this.all('set-cookie');
  }

  /** Every value of the header `name`, in the order received. */
  private all(name: string): string[] {
    const n = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i + 1 < this.raw.length; i += 2) if (this.raw[i]!.toLowerCase() === n) out.push(this.raw[i + 1]!);
    return out;
  }
}

const RETRYABLE_4XX = new Set([408, 429]);

// Connections kept open between orders, as fetch does; node:http costs about a third of fetch's
// CPU per request here (190 vs 530 us for a 2 kB POST), and the dispatcher shares the event loop
// with ingest.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * One HTTP request with a deadline (node:http, kept-alive connections). Redirects are not
 * followed: a CMMS endpoint that redirects is configured wrong, and {@link failOn} says so.
 */
export async function request(
  label: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HttpResult> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
  if (!mod) throw new CbmError('CBM_ERR_TARGET_REJECTED', `${label}: unsupported URL scheme ${u.protocol} (expected http: or https:)`);
  const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
  const headers = body ? { ...init.headers, 'content-length': String(body.length) } : init.headers;
  let timedOut = false;
  try {
    return await new Promise<HttpResult>((resolve, reject) => {
      if (signal.aborted) return reject(new Error('This operation was aborted'));
      const req = mod.request(u, { method: init.method, headers, agent: agents[u.protocol as 'http:' | 'https:'] }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('close', () => res.complete || reject(new Error('the answer was cut short')));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: new ResponseHeaders(res.rawHeaders), text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      const timer = setTimeout(() => ((timedOut = true), req.destroy(new Error('timeout'))), timeoutMs);
      const onAbort = () => req.destroy(new Error('This operation was aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => (clearTimeout(timer), signal.removeEventListener('abort', onAbort)));
      req.on('error', reject);
      req.end(body);
    });
  } catch (e) {
    if (timedOut) throw new CbmError('CBM_ERR_TARGET_TIMEOUT', `${label}: no answer within ${timeoutMs} ms`, { cause: e });
    const code = (e as { code?: string }).code;
    throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', redactText(`${label}: ${code ?? errorMessage(e)}`), { cause: e });
  }
}

/** Throws the right `CbmError` for a non-2xx answer; `vendorMessage` pulls the text out of the vendor's error body. */
export function failOn(label: string, r: HttpResult, vendorMessage: (text: string) => string | undefined): void {
  if (r.status >= 200 && r.status < 300) return;
  const msg = vendorMessage(r.text) ?? r.text.slice(0, 200);
  // The answer's text goes into the outbox's last error and the log: a proxy echoing our request
  // must not carry a credential there.
  const detail = redactText(`${label}: HTTP ${r.status}${msg ? ` ${msg}` : ''}`);
  if (r.status >= 300 && r.status < 400) {
    const to = r.headers.get('location');
    throw new CbmError('CBM_ERR_TARGET_REJECTED', `${detail} (a redirect${to ? ` to ${redactText(to)}` : ''}: set the target's URL to where the API really is)`, { details: { status: r.status } });
  }
  if (r.status === 401 || r.status === 403) {
    throw new CbmError('CBM_ERR_TARGET_REJECTED', `${detail} (authentication or authorisation failed: check the target's credentials and the user's permissions)`, { details: { status: r.status } });
  }
  if (r.status >= 400 && r.status < 500 && !RETRYABLE_4XX.has(r.status)) {
    throw new CbmError('CBM_ERR_TARGET_REJECTED', detail, { details: { status: r.status } });
  }
  throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', detail, { details: { status: r.status } });
}

/** Parses a JSON body, or fails as the target sending something we cannot read (a retry may help: proxies send HTML). */
export function parseJson<T>(label: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', redactText(`${label}: answer is not JSON: ${text.slice(0, 120)}`), { cause: e });
  }
}

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** The work order's text for a CMMS long-description field: description, evidence, safety, parts. */
export function longText(o: {
  description: string;
  asset: { path: string; serialNumber: string | undefined };
  evidence: { ts: string; limits: { tag: string; operator: string; limit: unknown; value: number | null; unit: string | undefined }[] };
  safety: string[];
  parts: { number: string; description: string | undefined; quantity: number }[];
  rule: { id: string; episode: number };
  idempotencyKey: string;
}): string {
  const lines = [o.description, '', `Asset: ${o.asset.path}${o.asset.serialNumber ? ` (S/N ${o.asset.serialNumber})` : ''}`, `Evidence at ${o.evidence.ts}:`];
  for (const l of o.evidence.limits) lines.push(`  ${l.tag} = ${l.value ?? 'n/a'}${l.unit ? ` ${l.unit}` : ''} (${l.operator} ${JSON.stringify(l.limit)})`);
  if (o.safety.length) lines.push('Safety:', ...o.safety.map((s) => `  - ${s}`));
  if (o.parts.length) lines.push('Parts:', ...o.parts.map((p) => `  - ${p.quantity} × ${p.number}${p.description ? ` ${p.description}` : ''}`));
  lines.push(`Rule ${o.rule.id}, episode ${o.rule.episode}; cbm-gateway key ${o.idempotencyKey}`);
  return lines.join('\n');
}
