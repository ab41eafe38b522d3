import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../../gateway/api.js';
import { hostGuard } from '../../../gateway/api-security.js';
import { defaultApiSettings, statusSecret } from '../../../gateway/api-settings.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { ManualClock } from '../../../src/core/clock.js';
import type { Logger } from '../../../src/core/logger.js';
import { bearingRule, pumpSite, securedApiOf, startGateway, writeSite } from '../../helpers/gateway.js';
import { tempDir } from '../../helpers/servers.js';

const alarmState = (gw: Gateway) => gw.view.alarms.list('p-1').find((a) => a.ruleId === 'bearing-hot')!.state;

/** Issue 18: what the API refuses before any route runs, and how it answers when it does. */
describe('HTTP API hardening', () => {
  let gw: Gateway;
  let open: FastifyInstance;
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 8));

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(1, { api: { enabled: false }, workOrders: { status: { secret: 'cmms-secret' } } }), [bearingRule]);
    gw = await startGateway(file, { clock });
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: clock.now(), value: 91, quality: 'Good' }]);
    // The worst case: no authentication at all, so only the guards stand between a web page and the gateway.
    open = buildApi(gw.view, defaultApiSettings({ auth: 'none' }));
  });
  afterAll(() => gw?.stop());

  it('refuses the cross-site form post a hostile page can make without CORS (text/plain), and it changes nothing', async () => {
    expect(alarmState(gw)).toMatchObject({ active: true, acked: false });
    const audited = gw.view.audit.list().length;
    // What a browser sends for <form method=post enctype=text/plain action=http://127.0.0.1:8080/api/alarms/bearing-hot/p-1/ack>.
    const browser = await open.inject({
      method: 'POST',
      url: '/api/alarms/bearing-hot/p-1/ack',
      headers: { host: '127.0.0.1:8080', 'content-type': 'text/plain', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      payload: '{"by":"x","=":""}',
    });
    expect(browser.statusCode).toBe(403);
    expect(browser.json()).toMatchObject({ code: 'CBM_ERR_CSRF', message: expect.stringContaining('http://evil.example') });
    // The same body without the browser's headers (an old browser, a proxy that strips them): not JSON, refused.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await open.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/ack', headers: { 'content-type': type }, payload: '{"by":"x"}' });
      expect(res.statusCode, type).toBe(415);
      expect(res.json(), type).toMatchObject({ code: 'CBM_ERR_UNSUPPORTED_MEDIA_TYPE' });
    }
    // A fetch without a body from another site (no-cors): the browser names the site.
    expect((await open.inject({ method: 'POST', url: '/api/assets/p-1/out-of-service', headers: { 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(403);
    expect(alarmState(gw)).toMatchObject({ active: true, acked: false, outOfService: false });
    expect(gw.view.audit.list()).toHaveLength(audited);
  });

  it('takes a command with a JSON body, or none at all (curl -X POST), from a tool or from its own page', async () => {
    expect((await open.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/unshelve' })).statusCode).toBe(200);
    const samePage = await open.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/ack', headers: { host: 'localhost:8080', origin: 'http://localhost:8080', 'sec-fetch-site': 'same-origin' }, payload: { by: 'Jane' } });
    expect(samePage.json()).toEqual({ acknowledged: true });
    expect(gw.view.audit.list({ action: 'alarm.acknowledge' })[0]).toMatchObject({ actor: 'Jane', target: 'bearing-hot@p-1', before: { acknowledged: false }, after: { acknowledged: true } });
  });

  it('answers only to its own names (DNS rebinding): IP literals, localhost, the machine name and api.hosts', () => {
    const ok = hostGuard(['gw.plant.example'], 'edge-01');
    for (const h of ['127.0.0.1', '192.168.1.20', '[::1]', '[fe80::1]', 'localhost', 'app.localhost', 'edge-01', 'EDGE-01', 'gw.plant.example']) expect(ok(h), h).toBe(true);
    for (const h of ['evil.example', 'gw.plant.example.evil.example', '127.0.0.1.nip.io', '']) expect(ok(h), h).toBe(false);
    expect(hostGuard(['*'])('anything.example')).toBe(true);
  });

  it('refuses a foreign Host before anything else, open routes included', async () => {
    for (const url of ['/api/health', '/api/assets', '/']) {
      const res = await open.inject({ url, headers: { host: 'rebind.evil.example:8080' } });
      expect(res.statusCode, url).toBe(403);
      expect(res.json()).toMatchObject({ code: 'CBM_ERR_HOST_NOT_ALLOWED' });
    }
    const named = buildApi(gw.view, defaultApiSettings({ auth: 'none', hosts: ['gw.plant.example'] }));
    expect((await named.inject({ url: '/api/health', headers: { host: 'gw.plant.example:8080' } })).statusCode).toBe(200);
  });

  it('answers every failure in one shape, and never with a stack or an internal message', async () => {
    const errors: object[] = [];
    const log: Logger = { debug() {}, info() {}, warn() {}, error: (o) => void errors.push(o), child: () => log };
    const broken = buildApi({ ...gw.view, log, sources: () => { throw new Error('EACCES: /var/lib/secret/state.db'); } }, defaultApiSettings({ auth: 'none', bodyLimit: 1024 }));
    const cases = [
      [{ url: '/nope' }, 404, 'CBM_ERR_NOT_FOUND'],
      [{ method: 'DELETE', url: '/api/assets' }, 404, 'CBM_ERR_NOT_FOUND'],
      [{ method: 'POST', url: '/api/alarms/bearing-hot/p-1/shelve', headers: { 'content-type': 'application/json' }, payload: '{"duration":' }, 400, 'CBM_ERR_BAD_REQUEST'],
      [{ method: 'POST', url: '/api/alarms/bearing-hot/p-1/shelve', payload: { duration: 'soon' } }, 400, 'CBM_ERR_BAD_REQUEST'],
      [{ method: 'POST', url: '/api/alarms/bearing-hot/p-1/shelve', payload: { duration: '1h', by: 'x'.repeat(2000) } }, 413, 'CBM_ERR_BODY_TOO_LARGE'],
      [{ method: 'POST', url: '/api/alarms/bearing-hot/p-1/ack', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' }, 400, 'CBM_ERR_BAD_REQUEST'],
      [{ url: '/api/alarms?limit=-1' }, 400, 'CBM_ERR_BAD_REQUEST'],
      [{ url: '/api/sources' }, 500, 'CBM_ERR_INTERNAL'],
    ] as const;
    for (const [req, status, code] of cases) {
      const res = await broken.inject(req as never);
      const where = JSON.stringify(req).slice(0, 80);
      expect(res.statusCode, where).toBe(status);
      expect(Object.keys(res.json()).sort(), where).toEqual(['code', 'message']);
      expect(res.json().code, where).toBe(code);
      expect(res.body, where).not.toMatch(/\bat \w|secret|\.ts:\d/);
    }
    expect((await broken.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/shelve', payload: { duration: 'soon' } })).json().message).toMatch(/^body\.duration: expected a duration/);
    expect(errors).toEqual([expect.objectContaining({ route: '/api/sources', err: 'EACCES: /var/lib/secret/state.db', stack: expect.stringContaining('Error') })]);
  });

  it('sends security headers; no CORS unless origins are configured', async () => {
    const res = await open.inject('/api/health');
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer', 'cross-origin-resource-policy': 'same-origin' });
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(res.headers['strict-transport-security']).toBeUndefined(); // plain HTTP: HSTS only with api.tls
    const preflight = { method: 'OPTIONS', url: '/api/alarms/bearing-hot/p-1/ack', headers: { origin: 'https://cmms.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } } as const;
    const none = await open.inject(preflight);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    const withCors = buildApi(gw.view, defaultApiSettings({ auth: 'none', cors: { origins: ['https://cmms.example'] } }));
    const allowed = await withCors.inject(preflight);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': 'https://cmms.example', 'access-control-allow-credentials': 'true' });
    const fromCmms = await withCors.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/ack', headers: { origin: 'https://cmms.example', 'sec-fetch-site': 'cross-site' }, payload: {} });
    expect(fromCmms.statusCode).toBe(200);
    expect((await withCors.inject({ ...preflight, headers: { ...preflight.headers, origin: 'https://evil.example' } })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits commands per address; reads are not limited', async () => {
    const limited = buildApi(gw.view, defaultApiSettings({ auth: 'none', rateLimit: { login: { max: 10, window: 60_000 }, commands: { max: 3, window: 60_000 } } }));
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await limited.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/unshelve', payload: {} })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    for (let i = 0; i < 5; i++) expect((await limited.inject('/api/alarms')).statusCode).toBe(200);
    expect((await limited.inject('/metrics')).body).toMatch(/^cbm_api_refused_total\{reason="rateLimited"\} 1$/m);
  });

  describe('the CMMS status endpoint', () => {
    const report = () => ({ id: gw.view.outbox.list()[0]!.order.id, status: 'in_progress' });
    const sign = (body: string, secret = 'cmms-secret') => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

    it('needs the signature: none or a wrong one is refused before the body is read', async () => {
      const body = JSON.stringify(report());
      for (const headers of [{}, { 'x-cbm-signature': sign(body, 'guess') }]) {
        const res = await open.inject({ method: 'POST', url: '/api/work-orders/status', headers: { 'content-type': 'application/json', ...headers }, payload: body });
        expect(res.statusCode).toBe(401);
      }
      expect((await open.inject({ method: 'POST', url: '/api/work-orders/status', payload: { nonsense: true } })).statusCode).toBe(401);
      const ok = await open.inject({ method: 'POST', url: '/api/work-orders/status', headers: { 'content-type': 'application/json', 'x-cbm-signature': sign(body) }, payload: body });
      expect(ok.json()).toMatchObject({ result: 'applied', status: 'in_progress' });
      expect(gw.view.audit.list({ action: 'order.status' })[0]).toMatchObject({ actor: 'cmms (signed)', before: { status: 'open' }, after: { status: 'in_progress' } });
    });

    it('takes an API token of role technician instead, and refuses a viewer', async () => {
      const tech = securedApiOf(gw, 'technician');
      const res = await tech.api.inject({ method: 'POST', url: '/api/work-orders/status', headers: { authorization: tech.authorization }, payload: { ...report(), status: 'completed' } });
      expect(res.json()).toMatchObject({ result: 'applied', status: 'completed' });
      const viewer = securedApiOf(gw, 'viewer');
      expect((await viewer.api.inject({ method: 'POST', url: '/api/work-orders/status', headers: { authorization: viewer.authorization }, payload: report() })).statusCode).toBe(403);
    });

    it('is open without a signature only where the config says unsigned: true', async () => {
      const unsigned = buildApi({ ...gw.view, statusSecret: undefined, statusUnsigned: true }, defaultApiSettings({ auth: 'none' }));
      expect((await unsigned.inject({ method: 'POST', url: '/api/work-orders/status', payload: { ...report(), status: 'open' } })).json()).toMatchObject({ result: 'applied' });
      const neither = buildApi({ ...gw.view, statusSecret: undefined, statusUnsigned: false }, defaultApiSettings({ auth: 'none' }));
      const res = await neither.inject({ method: 'POST', url: '/api/work-orders/status', payload: report() });
      expect(res.json()).toMatchObject({ code: 'CBM_ERR_UNAUTHORIZED', message: expect.stringContaining('workOrders.status.unsigned: true') });
    });

    it('reads the secret from secretFile, and names the file, not its contents, when it cannot', () => {
      const dir = tempDir('secret');
      writeFileSync(join(dir, 'status.secret'), 'from-a-file\n');
      expect(statusSecret({ secretFile: 'status.secret', unsigned: false, pollInterval: 0 }, dir)).toBe('from-a-file');
      expect(() => statusSecret({ secretFile: 'missing.secret', unsigned: false, pollInterval: 0 }, dir)).toThrow(/^workOrders\.status\.secretFile: cannot read .*missing\.secret/);
    });
  });
});
