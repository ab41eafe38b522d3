import { z } from 'zod';
import { duration } from './primitives.js';

const rateLimit = (max: number, window: number) =>
  z
    .object({
      /** Requests allowed per client address within `window`. */
      max: z.number().int().positive().default(max),
      window: duration.default(window),
    })
    .strict()
    .default({ max, window });

/** The HTTP API and how it is protected (docs/security.md). */
export const apiConfig = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /**
     * `users` (default): every API route needs a login session or an API token, with a role
     * (`cbm-gateway users add`). `none`: no authentication at all, everyone may do everything; for
     * tests and a development laptop only.
     */
    auth: z.enum(['users', 'none']).default('users'),
    /** Routes that answer without credentials: `health` (`GET /api/health`, for container and load-balancer checks) and `metrics` (`GET /metrics`). */
    open: z.array(z.enum(['health', 'metrics'])).default(['health']),
    /**
     * Host names the API answers to (the `Host` header), besides IP addresses, `localhost` and the
     * machine's own name: a guard against DNS rebinding. `["*"]` accepts any.
     */
    hosts: z.array(z.string().min(1)).default([]),
    /** HTTPS: the PEM certificate (chain) and private key files, relative to the config file. Session cookies are then `Secure`. */
    tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict().optional(),
    /** Behind a reverse proxy: trust its `X-Forwarded-For`/`-Proto` (`true`, or the proxy's addresses/CIDRs). */
    trustProxy: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
    /** Browser origins allowed to call the API from their pages (CORS); none by default. */
    cors: z.object({ origins: z.array(z.url()).default([]) }).strict().default({ origins: [] }),
    /** Largest request body in bytes (413 beyond). */
    bodyLimit: z.number().int().min(1024).default(1_048_576),
    /** Login sessions of the page: they end after `idle` without a request, and `maxAge` after login in any case. */
    sessions: z
      .object({ idle: duration.default(8 * 3_600_000), maxAge: duration.default(7 * 86_400_000) })
      .strict()
      .default({ idle: 8 * 3_600_000, maxAge: 7 * 86_400_000 }),
    /** Per client address: logins (failed or not), and commands (every request that is not a GET). */
    rateLimit: z
      .object({ login: rateLimit(10, 60_000), commands: rateLimit(120, 60_000) })
      .strict()
      .default({ login: { max: 10, window: 60_000 }, commands: { max: 120, window: 60_000 } }),
  })
  .strict()
  .default({
    enabled: true,
    host: '127.0.0.1',
    port: 8080,
    auth: 'users',
    open: ['health'],
    hosts: [],
    trustProxy: false,
    cors: { origins: [] },
    bodyLimit: 1_048_576,
    sessions: { idle: 8 * 3_600_000, maxAge: 7 * 86_400_000 },
    rateLimit: { login: { max: 10, window: 60_000 }, commands: { max: 120, window: 60_000 } },
  });
