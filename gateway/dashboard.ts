import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

/**
 * Where the built page is: `dist/web/` beside the compiled gateway (`dist/gateway/` → `../web`),
 * or, when the gateway runs from its TypeScript sources (tests), the build's `dist/web/`.
 */
export function webRoot(): string | undefined {
  for (const rel of ['../web/', '../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}app.js`)) return dir;
  }
  return undefined;
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>cbm-gateway</title>
<body style="font:15px system-ui;margin:3em"><h1>The page is not built</h1>
<p>Run <code>npm run build</code>: it bundles the page into <code>dist/web/</code>, which the gateway serves here. The API answers at <a href="/api/health">/api/health</a>.</p></body></html>`;

/**
 * The page for maintenance leads and plant engineers (gateway/web, bundled by `npm run build`):
 * served from the gateway itself, no separate server. Hashed chunks are cached for a year,
 * `index.html`, `app.js` and `app.css` are revalidated (ETag) so a new build shows at once.
 */
export function dashboard(root = webRoot()): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    if (!root) {
      app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
      return;
    }
    // The page's own files, listed once at start (no wildcard: an unknown path stays the API's
    // JSON 404)...
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: ['index.html'],
      wildcard: false,
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', /[/\\]chunks[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    // ...and its chunks looked up at each request: a build made while the gateway runs names new
    // chunks, which the new app.js asks for at once (listed at start, they answered 404 and the
    // page stayed blank until a restart).
    if (!existsSync(`${root}chunks`)) return;
    await app.register(fastifyStatic, {
      root: `${root}chunks/`,
      prefix: '/chunks/',
      wildcard: true,
      decorateReply: false,
      cacheControl: false,
      setHeaders: (res) => res.setHeader('cache-control', 'public, max-age=31536000, immutable'),
    });
  };
}
