import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { duration } from '../src/config/duration.js';
import type { Clock } from '../src/core/clock.js';
import { CbmError } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import { isoTime } from '../src/core/timestamp.js';
import { actorName } from './access.js';
import type { RefusalCounters } from './api-security.js';
import type { ApiSettings } from './api-settings.js';
import type { AuditStore } from './audit.js';
import { SESSION_COOKIE, type AccessStores } from './auth.js';
import { csrfToken } from './sessions.js';
import type { TokenInfo } from './tokens.js';
import { role, userName, type UserInfo } from './users.js';

export interface AccessApiDeps {
  clock: Clock;
  access: AccessStores;
  audit: Pick<AuditStore, 'record' | 'list'>;
  settings: ApiSettings;
  counters: RefusalCounters;
  log?: Logger;
}

const iso = (t: number | null) => (t === null ? null : isoTime(t));
const userView = (u: UserInfo) => ({ user: u.user, role: u.role, createdAt: isoTime(u.createdAt), updatedAt: isoTime(u.updatedAt), lastLoginAt: iso(u.lastLoginAt) });
const tokenView = (t: TokenInfo) => ({ id: t.id, name: t.name, role: t.role, createdBy: t.createdBy, createdAt: isoTime(t.createdAt), expiresAt: iso(t.expiresAt), lastUsedAt: iso(t.lastUsedAt) });

const isoString = z.string().describe('ISO 8601 time');
const userOut = z.object({ user: z.string(), role, createdAt: isoString, updatedAt: isoString, lastLoginAt: isoString.nullable() });
const tokenOut = z.object({ id: z.string(), name: z.string(), role, createdBy: z.string(), createdAt: isoString, expiresAt: isoString.nullable(), lastUsedAt: isoString.nullable() });
const password = z.string().min(1).max(1024);
const admin = { role: 'admin' } as const;

/** Login and logout, who am I, users and API tokens (admin), and the audit log. */
export function registerAccessRoutes(root: FastifyInstance, d: AccessApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { users, tokens, sessions } = d.access;

  app.post(
    '/api/login',
    {
      config: { open: 'always', rateLimit: { max: d.settings.rateLimit.login.max, timeWindow: d.settings.rateLimit.login.window, allowList: () => false } },
      schema: {
        summary: 'Log in: sets the session cookie and answers the CSRF token for commands',
        tags: ['access'],
        body: z.object({ user: z.string().min(1).max(64), password }).strict(),
        response: { 200: z.object({ user: z.string(), role, csrf: z.string(), expiresAt: isoString }) },
      },
    },
    async (req, reply) => {
      const actor = await users.authenticate(req.body.user, req.body.password);
      if (!actor) {
        d.counters.loginFailed++;
        d.log?.warn({ user: req.body.user.slice(0, 64), ip: req.ip }, 'login failed');
        throw new CbmError('CBM_ERR_LOGIN_FAILED');
      }
      const s = sessions.create(actor.name, d.settings.sessions);
      void reply.setCookie(SESSION_COOKIE, s.id, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', maxAge: Math.floor(d.settings.sessions.maxAge / 1000) });
      d.audit.record({ actor: actor.name, action: 'user.login', target: `user:${actor.name}`, after: { ip: req.ip } });
      return { user: actor.name, role: actor.role, csrf: s.csrf, expiresAt: isoTime(s.expiresAt) };
    },
  );

  app.post('/api/logout', { schema: { summary: 'End the login session', tags: ['access'], response: { 200: z.object({ loggedOut: z.boolean() }) } } }, async (req, reply) => {
    if (req.sessionId === undefined) return { loggedOut: false };
    sessions.end(req.sessionId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    d.audit.record({ actor: actorName(req), action: 'user.logout', target: `user:${actorName(req)}` });
    return { loggedOut: true };
  });

  app.get(
    '/api/me',
    {
      schema: {
        summary: 'Who the caller is; with a session, its CSRF token again (after a page reload)',
        tags: ['access'],
        response: { 200: z.object({ user: z.string().nullable(), role, auth: z.enum(['users', 'none']), csrf: z.string().optional() }) },
      },
    },
    async (req) => ({
      user: req.actor?.name ?? null,
      role: req.actor?.role ?? 'admin',
      auth: d.settings.auth,
      ...(req.sessionId === undefined ? {} : { csrf: csrfToken(req.sessionId) }),
    }),
  );

  app.post(
    '/api/me/password',
    { schema: { summary: 'Change your own password (ends your other sessions)', tags: ['access'], body: z.object({ current: password, password }).strict(), response: { 200: z.object({ changed: z.boolean() }) } } },
    async (req, reply) => {
      const name = req.actor?.name;
      if (name === undefined || req.sessionId === undefined) throw new CbmError('CBM_ERR_BAD_REQUEST', 'only a logged-in user can change their password');
      if (!(await users.authenticate(name, req.body.current))) throw new CbmError('CBM_ERR_LOGIN_FAILED', 'the current password is wrong');
      await users.update(name, { password: req.body.password });
      const s = sessions.create(name, d.settings.sessions);
      void reply.setCookie(SESSION_COOKIE, s.id, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', maxAge: Math.floor(d.settings.sessions.maxAge / 1000) });
      d.audit.record({ actor: name, action: 'user.password', target: `user:${name}` });
      return { changed: true };
    },
  );

  app.get('/api/users', { config: admin, schema: { summary: 'Every user with their role', tags: ['access'], response: { 200: z.array(userOut) } } }, async () => users.list().map(userView));

  app.post(
    '/api/users',
    { config: admin, schema: { summary: 'Add a user', tags: ['access'], body: z.object({ user: userName, role, password }).strict(), response: { 201: userOut } } },
    async (req, reply) => {
      const u = await users.add(req.body.user, req.body.role, req.body.password);
      d.audit.record({ actor: actorName(req), action: 'user.add', target: `user:${u.user}`, after: { role: u.role } });
      return reply.status(201).send(userView(u));
    },
  );

  app.put(
    '/api/users/:user',
    {
      config: admin,
      schema: {
        summary: "Change a user's role or set a new password (ends their sessions)",
        tags: ['access'],
        params: z.object({ user: z.string() }),
        body: z.object({ role: role.optional(), password: password.optional() }).strict(),
        response: { 200: userOut },
      },
    },
    async (req) => {
      const before = users.get(req.params.user);
      const u = await users.update(req.params.user, req.body);
      if (req.body.role !== undefined) d.audit.record({ actor: actorName(req), action: 'user.role', target: `user:${u.user}`, before: { role: before?.role }, after: { role: u.role } });
      if (req.body.password !== undefined) d.audit.record({ actor: actorName(req), action: 'user.password', target: `user:${u.user}` });
      return userView(u);
    },
  );

  app.delete('/api/users/:user', { config: admin, schema: { summary: 'Remove a user and end their sessions', tags: ['access'], params: z.object({ user: z.string() }), response: { 200: userOut } } }, async (req) => {
    const u = users.remove(req.params.user);
    d.audit.record({ actor: actorName(req), action: 'user.remove', target: `user:${u.user}`, before: { role: u.role } });
    return userView(u);
  });

  app.get('/api/tokens', { config: admin, schema: { summary: 'Live API tokens (never their secrets)', tags: ['access'], response: { 200: z.array(tokenOut) } } }, async () => tokens.list().map(tokenView));

  app.post(
    '/api/tokens',
    {
      config: admin,
      schema: {
        summary: 'Make an API token; the answer is the only time its secret is shown',
        tags: ['access'],
        body: z
          .object({
            name: userName,
            role,
            expiresIn: duration.optional().describe('a duration such as 90d; none = never expires'),
          })
          .strict(),
        response: { 201: tokenOut.extend({ token: z.string() }) },
      },
    },
    async (req, reply) => {
      const ms = req.body.expiresIn;
      if (ms === 0) throw new CbmError('CBM_ERR_BAD_REQUEST', 'body.expiresIn: expected a duration longer than 0, such as 90d');
      const t = tokens.create({ name: req.body.name, role: req.body.role, createdBy: actorName(req), ...(ms === undefined ? {} : { expiresAt: d.clock.now() + ms }) });
      d.audit.record({ actor: actorName(req), action: 'token.create', target: `token:${t.name}`, after: { id: t.id, role: t.role, expiresAt: iso(t.expiresAt) } });
      return reply.status(201).send({ ...tokenView(t), token: t.token });
    },
  );

  app.delete('/api/tokens/:id', { config: admin, schema: { summary: 'Revoke an API token (by id or name)', tags: ['access'], params: z.object({ id: z.string() }), response: { 200: tokenOut } } }, async (req) => {
    const t = tokens.revoke(req.params.id);
    if (!t) throw new CbmError('CBM_ERR_NOT_FOUND', `no live token "${req.params.id}"`);
    d.audit.record({ actor: actorName(req), action: 'token.revoke', target: `token:${t.name}`, before: { id: t.id, role: t.role } });
    return tokenView(t);
  });

  app.get(
    '/api/audit',
    {
      schema: {
        summary: 'The audit log, newest first: every command, user, token and rule change',
        tags: ['access'],
        querystring: z.object({
          limit: z.coerce.number().int().positive().default(100).describe('at most 1,000'),
          actor: z.string().optional(),
          action: z.string().optional().describe('e.g. alarm.acknowledge, order.cancel, rule.save, user.add'),
          target: z.string().optional(),
          before: z.coerce.number().int().optional().describe('entries older than this id (paging)'),
        }),
        response: {
          200: z.array(z.object({ id: z.number(), at: isoString, actor: z.string(), action: z.string(), target: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })),
        },
      },
    },
    async (req) => {
      const q = req.query;
      return d.audit.list({ limit: q.limit, actor: q.actor, action: q.action, target: q.target, beforeId: q.before }).map((e) => ({ ...e, at: isoTime(e.at) }));
    },
  );
}
