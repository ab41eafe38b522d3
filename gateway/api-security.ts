import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CbmError, errorMessage, isCbmError, type ErrorCode } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import type { ApiSettings } from './api-settings.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's bytes as received (the status endpoint's signature covers them). */
    rawBody?: Buffer;
  }
}

/** Methods that change nothing; every other one is a command (same-site, JSON or no body, rate-limited, CSRF-checked). */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requests the API refused before a handler ran, by why: for metrics. */
export interface RefusalCounters {
  unauthenticated: number;
  forbidden: number;
  csrf: number;
  crossSite: number;
  host: number;
  mediaType: number;
  rateLimited: number;
  loginFailed: number;
}

export const newRefusalCounters = (): RefusalCounters => ({ unauthenticated: 0, forbidden: 0, csrf: 0, crossSite: 0, host: 0, mediaType: 0, rateLimited: 0, loginFailed: 0 });

/**
 * The DNS-rebinding guard: a page on another site that rebinds its own name to the gateway's
 * address still sends its own name in `Host`. IP literals, `localhost` (and `*.localhost`, which
 * browsers resolve themselves), the machine's name and the configured `api.hosts` pass.
 */
export function hostGuard(hosts: readonly string[], machine = hostname()): (host: string) => boolean {
  if (hosts.includes('*')) return () => true;
  const names = new Set([machine, ...hosts].map((h) => h.toLowerCase()));
  return (host) => {
    const h = host.toLowerCase();
    if (h.startsWith('[') || isIP(h) !== 0) return true;
    return h === 'localhost' || h.endsWith('.localhost') || names.has(h);
  };
}

/** `'sha256-…'` CSP sources for the inline scripts of a page (a page served as one string). */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
}

function fastifyCode(err: FastifyError): [ErrorCode, string] | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return ['CBM_ERR_UNSUPPORTED_MEDIA_TYPE', 'the API takes JSON bodies only: Content-Type: application/json'];
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return ['CBM_ERR_BODY_TOO_LARGE', err.message];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return ['CBM_ERR_BAD_REQUEST', err.message];
    default:
      return undefined;
  }
}

/** Any error as the one answer shape `{ code, message }` and its status. Unexpected errors say nothing of themselves. */
export function apiError(err: unknown, requestId: string): { status: number; code: string; message: string } {
  if (isCbmError(err)) return { status: err.statusCode, code: err.code, message: err.message };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const message = err.validation.map((v) => `${where}${v.instancePath === '/' ? '' : v.instancePath.replaceAll('/', '.')}: ${v.message}`).join('; ');
    return { status: 400, code: 'CBM_ERR_BAD_REQUEST', message };
  }
  const f = err as FastifyError;
  const known = fastifyCode(f);
  if (known) return { status: f.statusCode ?? 400, code: known[0], message: known[1] };
  if (f instanceof SyntaxError || (f.statusCode === 400 && /JSON/.test(f.message))) return { status: 400, code: 'CBM_ERR_BAD_REQUEST', message: `body is not valid JSON: ${f.message}` };
  if (f.statusCode !== undefined && f.statusCode >= 400 && f.statusCode < 500) return { status: f.statusCode, code: 'CBM_ERR_BAD_REQUEST', message: f.message };
  return { status: 500, code: 'CBM_ERR_INTERNAL', message: `internal error (request ${requestId}); the gateway log has the details` };
}

/**
 * The pages' content security policy: scripts, styles, images and connections from the gateway
 * only (inline styles allowed: chart libraries set them), no frames, no plugins. `scripts` adds
 * sources for one page (the hashes of its inline scripts).
 */
export function contentSecurityPolicy(tls: boolean, scripts: readonly string[] = []) {
  return {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      scriptSrc: ["'self'", ...scripts],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      ...(tls ? { upgradeInsecureRequests: [] } : {}),
    },
  };
}

/** True when the `Origin` header names the host the request was sent to (scheme aside). */
function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // `null` (sandboxed frames, files) and garbage
  }
}

const hasBody = (req: FastifyRequest) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

const pathOf = (req: FastifyRequest) => req.url.split('?', 1)[0]!;

/**
 * Everything the API refuses before a route sees a request (issue 18), registered before the
 * routes: a foreign `Host`; a command from a page of another site (its browser says so in
 * `Origin` and `Sec-Fetch-Site`); a command whose body is not JSON (a cross-site form can post
 * `text/plain` without a CORS preflight, JSON cannot; a command without a body is fine); a body beyond `api.bodyLimit` (set on the instance),
 * too many commands or logins from one address; plus security headers, CORS (off unless
 * origins are configured), and one error shape for every failure, unknown routes included.
 */
export function registerHardening(app: FastifyInstance, s: ApiSettings, o: { log?: Logger; counters: RefusalCounters; tls: boolean }): void {
  const hostOk = hostGuard(s.hosts);
  app.addHook('onRequest', async (req) => {
    if (!hostOk(req.hostname)) {
      o.counters.host++;
      throw new CbmError('CBM_ERR_HOST_NOT_ALLOWED', `Host "${req.hostname}" is not one of this gateway's names; add it to api.hosts (DNS rebinding guard)`);
    }
    if (SAFE_METHODS.has(req.method)) return;
    // The browser names the page's site: `Origin` (every POST), else `Sec-Fetch-Site`.
    const origin = req.headers.origin;
    const foreign = origin !== undefined ? !sameOrigin(origin, req.host) && !s.corsOrigins.includes(origin) : req.headers['sec-fetch-site'] === 'cross-site';
    if (foreign) {
      o.counters.crossSite++;
      throw new CbmError('CBM_ERR_CSRF', `cross-site ${req.method} refused: the page of ${origin ?? 'another site'} may not send commands to this gateway (list it in api.cors.origins if it should)`);
    }
    const type = req.headers['content-type']?.split(';', 1)[0]!.trim().toLowerCase();
    if (type === undefined ? hasBody(req) : type !== 'application/json') {
      o.counters.mediaType++;
      throw new CbmError('CBM_ERR_UNSUPPORTED_MEDIA_TYPE', `${req.method} ${pathOf(req)} takes Content-Type: application/json, or no body at all; got ${type ? `"${type}"` : 'a body without a type'}`);
    }
  });

  // JSON only (fastify also parses text/plain), with the raw bytes kept and an empty body allowed.
  app.removeAllContentTypeParsers();
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const raw = body as Buffer;
    req.rawBody = raw;
    if (raw.length === 0) return done(null, undefined);
    json(req, raw.toString('utf8'), done);
  });

  void app.register(helmet, {
    global: true,
    hsts: o.tls ? { maxAge: 15_552_000 } : false,
    contentSecurityPolicy: contentSecurityPolicy(o.tls),
  });

  if (s.corsOrigins.length > 0) void app.register(cors, { origin: [...s.corsOrigins], credentials: true, allowedHeaders: ['content-type', 'authorization', 'x-csrf-token', 'last-event-id'] });

  void app.register(rateLimit, {
    global: true,
    max: s.rateLimit.commands.max,
    timeWindow: s.rateLimit.commands.window,
    // Reads are not limited; the CMMS's signed status reports are machine traffic with their own retry.
    allowList: (req) => SAFE_METHODS.has(req.method) || req.routeOptions.config.open === 'signed',
    errorResponseBuilder: (_req, ctx) => {
      o.counters.rateLimited++;
      return new CbmError('CBM_ERR_RATE_LIMITED', `more than ${ctx.max} requests of this kind from this address; try again in ${ctx.after}`);
    },
  });

  app.setErrorHandler((err, req, reply) => {
    const e = apiError(err, req.id);
    if (e.status >= 500) o.log?.error({ request: req.id, method: req.method, route: req.routeOptions.url ?? pathOf(req), err: errorMessage(err), stack: (err as Error).stack }, 'API request failed');
    return reply.status(e.status).send({ code: e.code, message: e.message });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ code: 'CBM_ERR_NOT_FOUND', message: `no route ${req.method} ${pathOf(req)}` }));
}
