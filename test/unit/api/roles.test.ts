import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, roleAllows, type Role } from '../../../gateway/access.js';
import { buildApi } from '../../../gateway/api.js';
import { defaultApiSettings } from '../../../gateway/api-settings.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../../helpers/gateway.js';

interface RouteInfo {
  method: string;
  url: string;
  role: Role;
  open: string | undefined;
}

/** The least role of every route the contract names (docs/api.md); a route added later is tested against what it declares. */
const CONTRACT: Record<string, Role | 'open' | 'signed'> = {
  'GET /api/health': 'open',
  'GET /api/sources': 'viewer',
  'GET /api/assets': 'viewer',
  'GET /api/assets/:id': 'viewer',
  'GET /api/alarms': 'viewer',
  'POST /api/alarms/:rule/:asset/ack': 'technician',
  'POST /api/alarms/:rule/:asset/shelve': 'technician',
  'POST /api/alarms/:rule/:asset/unshelve': 'technician',
  'POST /api/assets/:id/out-of-service': 'technician',
  'GET /api/work-orders': 'viewer',
  'GET /api/work-orders/:id': 'viewer',
  'GET /api/assets/:id/work-orders': 'viewer',
  'POST /api/work-orders/:id/retry': 'technician',
  'POST /api/work-orders/:id/cancel': 'admin',
  'POST /api/work-orders/status': 'signed',
  'GET /metrics': 'viewer',
  'POST /api/login': 'open',
  'POST /api/logout': 'viewer',
  'GET /api/me': 'viewer',
  'POST /api/me/password': 'viewer',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'PUT /api/users/:user': 'admin',
  'DELETE /api/users/:user': 'admin',
  'GET /api/tokens': 'admin',
  'POST /api/tokens': 'admin',
  'DELETE /api/tokens/:id': 'admin',
  'GET /api/audit': 'viewer',
  'GET /api/events': 'viewer',
  'GET /api/schemas/:file': 'viewer',
};

const SAMPLE: Record<string, string> = { rule: 'bearing-hot', asset: 'p-1', id: 'nope', user: 'nobody', file: 'nope.yaml', tag: 'bearing_temp' };
const sampleUrl = (r: RouteInfo) => r.url.replace(/:(\w+)/g, (_m, k: string) => SAMPLE[k] ?? 'x') + (r.url === '/api/events' ? '?types=bogus' : '');

/**
 * Issue 17: every route enforces its least role. A table over every route the API has and every
 * caller (none, and a token of each role): 401 without credentials, 403 below the route's role,
 * anything else at or above it (validation and not-found answers come after the role check).
 */
describe('roles: 401/403 for every route and every role', () => {
  let gw: Gateway;
  let api: FastifyInstance;
  const routes: RouteInfo[] = [];
  const tokens = new Map<Role, string>();

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(2, { api: { enabled: false } }), [bearingRule]);
    gw = await startGateway(file);
    // Rate limits out of the way: ~150 requests from one address.
    api = buildApi(gw.view, defaultApiSettings({ auth: 'users', rateLimit: { login: { max: 10_000, window: 60_000 }, commands: { max: 10_000, window: 60_000 } } }));
    api.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url, role: r.config?.role ?? 'viewer', open: r.config?.open });
    });
    await api.ready();
    for (const role of ROLES) tokens.set(role, gw.view.access.tokens.create({ name: `matrix-${role}`, role, createdBy: 'test' }).token);
  });
  afterAll(() => gw?.stop());

  const guarded = () => routes.filter((r) => (r.url.startsWith('/api/') || r.url === '/metrics') && r.method !== 'HEAD');

  it('declares the contract role on every route the contract names', () => {
    const declared = Object.fromEntries(guarded().map((r) => [`${r.method} ${r.url}`, r.open === 'always' || r.open === 'health' ? 'open' : r.open === 'signed' ? 'signed' : r.role]));
    for (const [route, role] of Object.entries(CONTRACT)) expect(declared[route], route).toBe(role);
  });

  it('names the way to the first admin when there are no users at all', async () => {
    const res = await api.inject('/api/assets');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'CBM_ERR_NO_USERS', message: expect.stringContaining('cbm-gateway users add') });
  });

  it('answers 401 without credentials, except on open routes', async () => {
    await gw.view.access.users.add('someone', 'viewer', 'a long password');
    for (const r of guarded()) {
      const res = await api.inject({ method: r.method as HTTPMethods, url: sampleUrl(r), ...(r.method === 'GET' ? {} : { payload: {} }) });
      const where = `${r.method} ${r.url}`;
      if (r.open === 'always' || r.open === 'health') expect(res.statusCode, where).not.toBe(401);
      else expect(res.json(), where).toMatchObject({ code: 'CBM_ERR_UNAUTHORIZED' });
      if (r.open !== 'always' && r.open !== 'health') expect(res.statusCode, where).toBe(401);
    }
  });

  for (const role of ROLES) {
    it(`a token of role ${role}: 403 below each route's role, allowed at or above it`, async () => {
      let allowed = 0;
      let refused = 0;
      for (const r of guarded()) {
        const res = await api.inject({ method: r.method as HTTPMethods, url: sampleUrl(r), headers: { authorization: `Bearer ${tokens.get(role)}` }, ...(r.method === 'GET' ? {} : { payload: {} }) });
        const where = `${role}: ${r.method} ${r.url} (${res.statusCode} ${res.body.slice(0, 120)})`;
        if (r.open === 'always' || roleAllows(role, r.role)) {
          expect([401, 403], where).not.toContain(res.statusCode);
          allowed++;
        } else {
          expect(res.statusCode, where).toBe(403);
          expect(res.json(), where).toMatchObject({ code: 'CBM_ERR_FORBIDDEN', message: expect.stringContaining(`needs the role ${r.role}`) });
          refused++;
        }
      }
      // Each role is refused somewhere but admin, and allowed somewhere.
      expect(allowed).toBeGreaterThan(0);
      if (role === 'admin') expect(refused).toBe(0);
      else expect(refused).toBeGreaterThan(0);
    });
  }

  it('serves the page and the API documentation without credentials', async () => {
    for (const url of ['/', '/docs', '/docs/json']) expect((await api.inject(url)).statusCode, url).toBe(200);
  });
});
