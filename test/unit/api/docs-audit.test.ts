import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../../gateway/api.js';
import { defaultApiSettings } from '../../../gateway/api-settings.js';
import { redact } from '../../../gateway/audit.js';
import { jsonSchemas } from '../../../gateway/json-schemas.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { ManualClock } from '../../../src/core/clock.js';
import { bearingRule, pumpSite, securedApiOf, startGateway, writeSite } from '../../helpers/gateway.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { description?: string; security?: unknown[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> }; parameters?: { name: string; in: string }[] }>>;
  components: { securitySchemes: Record<string, unknown> };
}

describe('OpenAPI document and the audit log', () => {
  let gw: Gateway;
  let api: FastifyInstance;
  let tech: string;
  let admin: string;
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 8));

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(1, { api: { enabled: false }, workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: 'http://127.0.0.1:9/wo', timeout: 100 }], status: { pollInterval: 0 } } }), [bearingRule]);
    gw = await startGateway(file, { clock });
    tech = securedApiOf(gw, 'technician').authorization;
    const a = securedApiOf(gw, 'admin');
    admin = a.authorization;
    api = a.api;
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: clock.now(), value: 91, quality: 'Good' }]);
  });
  afterAll(() => gw?.stop());

  it('serves OpenAPI 3 generated from the zod schemas that validate requests, with each route\'s least role', async () => {
    const doc = (await api.inject('/docs/json')).json() as OpenApi;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'session']);
    const shelve = doc.paths['/api/alarms/{rule}/{asset}/shelve']!.post!;
    expect(shelve.description).toContain('Least role: **technician**');
    expect(shelve.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['path:asset', 'path:rule']);
    const body = shelve.requestBody!.content['application/json']!.schema;
    expect(Object.keys(body.properties).sort()).toEqual(['by', 'duration']);
    expect(body.required).toEqual(['duration']);
    expect(doc.paths['/api/work-orders/{id}/cancel']!.post!.description).toContain('Least role: **admin**');
    expect(doc.paths['/api/login']!.post!.security).toEqual([]);
    expect(doc.paths['/api/work-orders/status']!.post!.requestBody!.content['application/json']!.schema.properties).toHaveProperty('idempotencyKey');
    expect(doc.paths['/api/health']!.get!.description).toContain('api.open');
    expect((await api.inject('/docs')).headers['content-type']).toMatch(/text\/html/);
  });

  it('serves the JSON Schemas of site and rule files for the rule editor', async () => {
    const res = await api.inject({ url: '/api/schemas/rules.schema.json', headers: { authorization: tech } });
    expect(res.headers['content-type']).toMatch(/^application\/schema\+json/);
    expect(res.body).toBe(jsonSchemas()['rules.schema.json']);
    expect((await api.inject({ url: '/api/schemas/secrets.json', headers: { authorization: tech } })).statusCode).toBe(400);
  });

  it('records every command with who, when, and the state before and after', async () => {
    const post = (url: string, payload: object, authorization = tech) => api.inject({ method: 'POST', url, headers: { authorization }, payload });
    await post('/api/alarms/bearing-hot/p-1/ack', { by: 'ignored when authenticated' });
    await post('/api/alarms/bearing-hot/p-1/shelve', { duration: '30m' });
    await post('/api/alarms/bearing-hot/p-1/unshelve', {});
    await post('/api/assets/p-1/out-of-service', { enabled: true });
    await post('/api/assets/p-1/out-of-service', { enabled: false });
    const order = gw.view.outbox.list()[0]!.order.id;
    await post(`/api/work-orders/${order}/retry`, {});
    await post(`/api/work-orders/${order}/cancel`, {}, admin);
    const log = (await api.inject({ url: '/api/audit?limit=7', headers: { authorization: tech } })).json() as { actor: string; action: string; target: string; at: string; before: unknown; after: unknown }[];
    const t = expect.stringMatching(/^token:test-technician-/);
    expect(log.reverse()).toEqual([
      { id: expect.any(Number), at: '2026-11-25T08:00:00.000Z', actor: t, action: 'alarm.acknowledge', target: 'bearing-hot@p-1', before: expect.objectContaining({ state: 'unacknowledged', acknowledged: false }), after: expect.objectContaining({ state: 'acknowledged', acknowledged: true }) },
      expect.objectContaining({ actor: t, action: 'alarm.shelve', before: expect.objectContaining({ shelvedUntil: null }), after: expect.objectContaining({ state: 'shelved', shelvedUntil: '2026-11-25T08:30:00.000Z' }) }),
      expect.objectContaining({ action: 'alarm.unshelve', before: expect.objectContaining({ state: 'shelved' }), after: expect.objectContaining({ state: 'acknowledged' }) }),
      expect.objectContaining({ action: 'asset.out_of_service', target: 'asset:p-1', before: { alarmsOutOfService: 0 }, after: { alarmsOutOfService: 1 } }),
      expect.objectContaining({ action: 'asset.in_service', before: { alarmsOutOfService: 1 }, after: { alarmsOutOfService: 0 } }),
      expect.objectContaining({ actor: t, action: 'order.retry', target: `order:${order}`, before: { deliveries: [{ target: 'cmms', state: 'pending' }] }, after: { deliveries: [{ target: 'cmms', state: 'pending' }] } }),
      expect.objectContaining({ actor: expect.stringMatching(/^token:test-admin-/), action: 'order.cancel', target: `order:${order}`, before: { deliveries: [{ target: 'cmms', state: 'pending' }] }, after: { deliveries: [{ target: 'cmms', state: 'cancelled' }] } }),
    ]);
  });

  it('filters by actor, action and target, pages back, and never stores a secret', async () => {
    const get = async (q: string) => (await api.inject({ url: `/api/audit?${q}`, headers: { authorization: tech } })).json() as { id: number; action: string }[];
    expect((await get('action=alarm.shelve')).map((e) => e.action)).toEqual(['alarm.shelve']);
    expect((await get('target=asset:p-1')).map((e) => e.action)).toEqual(['asset.in_service', 'asset.out_of_service']);
    const all = await get('limit=1000');
    expect((await get(`before=${all[1]!.id}&limit=2`)).map((e) => e.id)).toEqual([all[2]!.id, all[3]!.id]);
    await api.inject({ method: 'POST', url: '/api/users', headers: { authorization: admin }, payload: { user: 'newbie', role: 'viewer', password: 'newbie password' } });
    const body = (await api.inject({ url: '/api/audit?action=user.add', headers: { authorization: tech } })).body;
    expect(body).toContain('"target":"user:newbie"');
    expect(body).not.toContain('newbie password');
    expect(redact({ user: 'x', password: 'p', nested: [{ apiToken: 't', secretFile: 'f', value: 1 }] })).toEqual({ user: 'x', password: '[redacted]', nested: [{ apiToken: '[redacted]', secretFile: '[redacted]', value: 1 }] });
  });

  it('lets the rules API record its changes through the same sink', () => {
    gw.view.audit.record({ at: clock.now(), actor: 'jane', action: 'rule.save', target: 'rules/pumps.yaml', before: { version: 1 }, after: { version: 2 } });
    expect(gw.view.audit.list({ actor: 'jane' })[0]).toMatchObject({ action: 'rule.save', before: { version: 1 }, after: { version: 2 } });
  });

  it('metrics: active alarms by priority, orders by CMMS status, refused requests', async () => {
    const m = (await buildApi(gw.view, defaultApiSettings({ auth: 'none' })).inject('/metrics')).body;
    expect(m).toMatch(/^cbm_alarms_active\{priority="2"\} 1$/m);
    expect(m).toMatch(/^cbm_alarms_active\{priority="1"\} 0$/m);
    expect(m).toMatch(/^cbm_work_orders\{status="open"\} 1$/m);
    expect(m).toMatch(/^cbm_work_orders\{status="completed"\} 0$/m);
    expect(m).toMatch(/^cbm_api_refused_total\{reason="forbidden"\} 0$/m);
  });
});
