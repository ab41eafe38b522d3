/**
 * The API as the page uses it: JSON in and out, the session cookie sent by the browser, the CSRF
 * token on every state-changing request, and one error shape (`{ code, message }`).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
  /** The route is not on this gateway (a part of the API that this build does not have yet). */
  get missing(): boolean {
    return this.status === 404;
  }
}

let csrf: string | undefined = sessionStorage.getItem('cbm-csrf') ?? undefined;

export function setCsrf(token: string | undefined): void {
  csrf = token;
  if (token) sessionStorage.setItem('cbm-csrf', token);
  else sessionStorage.removeItem('cbm-csrf');
}

/** Called when the API answers 401: the session ended; the page shows the login screen. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(cb: () => void): void {
  onUnauthorized = cb;
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { code?: string; message?: string };
    if (res.status === 401 && !url.startsWith('/api/login')) onUnauthorized();
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText, data);
  }
  return data as T;
}

export const get = <T>(url: string) => request<T>('GET', url);
export const post = <T>(url: string, body?: unknown) => request<T>('POST', url, body ?? {});
export const put = <T>(url: string, body: unknown) => request<T>('PUT', url, body);

/** `?a=1&b=2` from the defined entries. */
export function query(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
