import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CbmError } from '../src/core/errors.js';
import { roleAllows, type Actor } from './access.js';
import { SAFE_METHODS, type RefusalCounters } from './api-security.js';
import type { ApiSettings } from './api-settings.js';
import { sameSecret } from './passwords.js';
import { csrfToken, type SessionStore } from './sessions.js';
import type { TokenStore } from './tokens.js';
import type { UserStore } from './users.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Who may call the route without credentials: `always` (login), `health` or `metrics` (when
     * `api.open` lists it), `signed` (the CMMS status endpoint: its handler checks the signature;
     * credentials, when sent, still need the route's role).
     */
    open?: 'always' | 'health' | 'metrics' | 'signed';
  }
  interface FastifyRequest {
    /** The login session's id when the request came with the session cookie. */
    sessionId?: string;
  }
}

/** Where users, API tokens and login sessions are kept. */
export interface AccessStores {
  users: UserStore;
  tokens: TokenStore;
  sessions: SessionStore;
}

export const SESSION_COOKIE = 'cbm_session';
export const CSRF_HEADER = 'x-csrf-token';

/** The routes behind authentication: the API and the metrics. The page, its files and /docs are not data. */
export const needsCredentials = (url: string): boolean => url.startsWith('/api/') || url === '/metrics';

type Found = { actor: Actor; sessionId?: string } | 'bad-token' | 'ended-session' | undefined;

function identify(req: FastifyRequest, a: AccessStores): Found {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const actor = m ? a.tokens.actor(m[1]!) : undefined;
    return actor ? { actor } : 'bad-token';
  }
  const id = req.cookies[SESSION_COOKIE];
  if (!id) return undefined;
  const s = a.sessions.get(id);
  return s ? { actor: { name: s.name, role: s.role }, sessionId: id } : 'ended-session';
}

const HOW = 'log in (POST /api/login) or send "Authorization: Bearer <API token>"';

/**
 * Authentication and roles for every route under /api/ and /metrics (issue 17): an API token
 * (`Authorization: Bearer`) or the login session's cookie identifies the caller; a state-changing
 * request of a session must carry its CSRF token in `X-CSRF-Token`; the route's `config.role`
 * (default viewer) must be at most the caller's. 401 without valid credentials, 403 for the
 * wrong role or a missing CSRF token. With `api.auth: none` every request passes, unidentified.
 */
export function registerAuth(app: FastifyInstance, s: ApiSettings, a: AccessStores, counters: RefusalCounters): void {
  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    const cfg = req.routeOptions.config;
    if (url === undefined || !needsCredentials(url) || s.auth === 'none' || cfg.open === 'always') return;
    const found = identify(req, a);
    if (typeof found === 'object') {
      if (found.sessionId !== undefined && !SAFE_METHODS.has(req.method)) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameSecret(sent, csrfToken(found.sessionId))) {
          counters.csrf++;
          throw new CbmError('CBM_ERR_CSRF', `${req.method} ${url} from a login session needs the header X-CSRF-Token with the csrf value of the login answer (or of GET /api/me)`);
        }
      }
      const needs = cfg.role ?? 'viewer';
      if (!roleAllows(found.actor.role, needs)) {
        counters.forbidden++;
        throw new CbmError('CBM_ERR_FORBIDDEN', `${req.method} ${url} needs the role ${needs} or above; ${found.actor.name} is ${found.actor.role}`);
      }
      req.actor = found.actor;
      req.sessionId = found.sessionId;
      return;
    }
    if (found !== 'bad-token' && (cfg.open === 'signed' || (cfg.open !== undefined && (s.open as readonly string[]).includes(cfg.open)))) return;
    counters.unauthenticated++;
    if (found === 'bad-token') throw new CbmError('CBM_ERR_UNAUTHORIZED', 'the API token is unknown, revoked or expired');
    if (a.users.count() === 0) {
      throw new CbmError('CBM_ERR_NO_USERS', 'no users yet: add the first admin on the gateway with "cbm-gateway users add --config FILE --user NAME --role admin", or set api.auth: none to run without authentication (docs/security.md)');
    }
    throw new CbmError('CBM_ERR_UNAUTHORIZED', found === 'ended-session' ? `the login session has ended; ${HOW}` : `${req.method} ${url} needs credentials: ${HOW}`);
  });
}
