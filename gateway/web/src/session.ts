import { signal } from '@preact/signals';
import { ApiError, get, post, setCsrf } from './api.js';

/** Roles, least first (gateway/access.ts). */
export const ROLES = ['viewer', 'technician', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Session {
  /** `open`: this gateway has no authentication layer; everyone may do everything its API allows. */
  mode: 'user' | 'open' | 'anonymous';
  user: string | undefined;
  role: Role;
}

export const session = signal<Session | undefined>(undefined);

/** Whether the session's role is at least `needs`. */
export function can(needs: Role): boolean {
  const s = session.value;
  if (!s) return false;
  return ROLES.indexOf(s.role) >= ROLES.indexOf(needs);
}

/** Asks who we are: a user (cookie session), nobody (401: log in), or no authentication on this gateway (404). */
export async function loadSession(): Promise<Session> {
  try {
    const me = await get<{ user: string | null; role: Role; auth: 'users' | 'none'; csrf?: string }>('/api/me');
    if (me.csrf) setCsrf(me.csrf);
    if (me.auth === 'none') return (session.value = { mode: 'open', user: undefined, role: 'admin' });
    return (session.value = { mode: 'user', user: me.user ?? undefined, role: me.role });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return (session.value = { mode: 'open', user: undefined, role: 'admin' });
    if (e instanceof ApiError && e.status === 401) return (session.value = { mode: 'anonymous', user: undefined, role: 'viewer' });
    throw e;
  }
}

export async function login(user: string, password: string): Promise<Session> {
  const r = await post<{ user: string; role: Role; csrf: string }>('/api/login', { user, password });
  setCsrf(r.csrf);
  return (session.value = { mode: 'user', user: r.user, role: r.role });
}

export async function logout(): Promise<void> {
  try {
    await post('/api/logout');
  } finally {
    setCsrf(undefined);
    session.value = { mode: 'anonymous', user: undefined, role: 'viewer' };
  }
}
