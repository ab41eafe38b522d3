import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { needsCredentials, SESSION_COOKIE } from './auth.js';
import { jsonSchemas } from './json-schemas.js';

type Transform = typeof jsonSchemaTransform;

/** The least role and how to authenticate, written into each route of the OpenAPI document. */
const withAccess: Transform = (doc) => {
  const out = jsonSchemaTransform(doc);
  if (!needsCredentials(doc.url) || !out.schema || out.schema.hide) return out;
  const cfg = doc.route.config ?? {};
  const role = cfg.role ?? 'viewer';
  const open = cfg.open;
  const note =
    open === 'always'
      ? 'Open: no credentials needed.'
      : open === 'signed'
        ? `Signed with X-CBM-Signature, or credentials of role **${role}** or above.`
        : `Least role: **${role}**.${open ? ` Open without credentials when \`api.open\` lists \`${open}\`.` : ''}`;
  const schema = out.schema as Record<string, unknown>;
  return {
    url: out.url,
    schema: {
      ...schema,
      description: [schema.description, note].filter(Boolean).join('\n\n'),
      ...(open === 'always' ? { security: [] } : {}),
    },
  };
};

/**
 * OpenAPI 3 at `/docs/json` and Swagger UI at `/docs` (issue 17), generated from the same zod
 * schemas that validate the requests. Register before the routes: it collects them as they come.
 */
export function registerDocs(app: FastifyInstance, version: string): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'cbm-gateway API',
        version,
        description:
          'Condition-monitoring gateway: assets, alarms, work orders, users and the audit log. Errors answer `{ code, message }` (docs/errors.md). A command body is JSON (`Content-Type: application/json`) or absent; commands of a login session also send `X-CSRF-Token`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token: cbm-gateway tokens create, or POST /api/tokens' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The login session of POST /api/login' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: withAccess,
    transformObject: jsonSchemaTransformObject,
  });
  void app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
}

/**
 * `GET /api/schemas/site.schema.json` and `rules.schema.json`: the JSON Schemas of the site file
 * and rule files (the same as edge-config/schema/), for the page's rule editor.
 */
export function registerSchemaRoutes(root: FastifyInstance): void {
  let files: Record<string, string> | undefined;
  root.withTypeProvider<ZodTypeProvider>().get(
    '/api/schemas/:file',
    { schema: { summary: 'JSON Schema of the site file or of rule files', tags: ['gateway'], params: z.object({ file: z.enum(['site.schema.json', 'rules.schema.json']) }) } },
    async (req, reply) => reply.type('application/schema+json').send((files ??= jsonSchemas())[req.params.file]),
  );
}
