import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../../gateway/api.js';
import { defaultApiSettings } from '../../../gateway/api-settings.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { ManualClock } from '../../../src/core/clock.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../../helpers/gateway.js';

const M = 60_000;

/** Issue 17: the page's login sessions (HttpOnly, SameSite=Strict cookie, CSRF token for commands). */
describe('login sessions', () => {
  let gw: Gateway;
  let api: FastifyInstance;
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 8));

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(1, { api: { enabled: false } }), [bearingRule]);
    gw = await startGateway(file, { clock });
    await gw.view.access.users.add('tess', 'technician', 'tess password');
    await gw.view.access.users.add('vic', 'viewer', 'vic password');
    // Minutes, not hours: the gateway's ticker runs once per second of its clock.
    api = buildApi(gw.view, defaultApiSettings({ auth: 'users', sessions: { idle: 2 * M, maxAge: 10 * M }, rateLimit: { login: { max: 1000, window: M }, commands: { max: 1000, window: M } } }));
  });
  afterAll(() => gw?.stop());

  async function login(user: string, password: string, extra: Partial<InjectOptions> = {}) {
    const res = await api.inject({ method: 'POST', url: '/api/login', payload: { user, password }, ...extra });
    const setCookie = String(res.headers['set-cookie'] ?? '');
    return { res, setCookie, cookie: setCookie.split(';', 1)[0]!, csrf: res.statusCode === 200 ? (res.json() as { csrf: string }).csrf : '' };
  }
  const ack = (cookie: string, headers: Record<string, string> = {}) => api.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/ack', headers: { cookie, ...headers }, payload: {} });

  it('logs in with the right password: an HttpOnly, SameSite=Strict cookie that is not Secure on plain HTTP, and the CSRF token', async () => {
    const { res, setCookie } = await login('tess', 'tess password');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: 'tess', role: 'technician', csrf: expect.any(String), expiresAt: '2026-11-25T08:10:00.000Z' });
    expect(setCookie).toMatch(/^cbm_session=[\w-]{43}; Max-Age=600; Path=\/; HttpOnly; SameSite=Strict$/);
  });

  it('marks the cookie Secure when the request came over HTTPS through a trusted proxy', async () => {
    const behindProxy = buildApi(gw.view, defaultApiSettings({ auth: 'users', trustProxy: true }));
    const res = await behindProxy.inject({ method: 'POST', url: '/api/login', payload: { user: 'tess', password: 'tess password' }, headers: { 'x-forwarded-proto': 'https' } });
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('refuses a wrong password and an unknown user alike, and counts them', async () => {
    for (const [u, p] of [['tess', 'wrong password'], ['nobody', 'tess password']] as const) {
      const { res } = await login(u, p);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'CBM_ERR_LOGIN_FAILED', message: 'Unknown user or wrong password' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await api.inject({ url: '/metrics', headers: { cookie: (await login('vic', 'vic password')).cookie } })).body).toMatch(/^cbm_api_refused_total\{reason="loginFailed"\} 2$/m);
  });

  it('a command from the session needs its CSRF token; GET /api/me gives it again after a reload', async () => {
    const { cookie, csrf } = await login('tess', 'tess password');
    const without = await ack(cookie);
    expect(without.statusCode).toBe(403);
    expect(without.json()).toMatchObject({ code: 'CBM_ERR_CSRF' });
    expect((await ack(cookie, { 'x-csrf-token': 'x'.repeat(43) })).statusCode).toBe(403);
    const me = (await api.inject({ url: '/api/me', headers: { cookie } })).json();
    expect(me).toEqual({ user: 'tess', role: 'technician', auth: 'users', csrf });
    expect((await ack(cookie, { 'x-csrf-token': csrf })).statusCode).toBe(200);
    // Another session's token does not fit.
    const other = await login('tess', 'tess password');
    expect((await ack(cookie, { 'x-csrf-token': other.csrf })).statusCode).toBe(403);
  });

  it('the role comes from the user: a viewer session is refused a command', async () => {
    const { cookie, csrf } = await login('vic', 'vic password');
    const res = await ack(cookie, { 'x-csrf-token': csrf });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'CBM_ERR_FORBIDDEN', message: 'POST /api/alarms/:rule/:asset/ack needs the role technician or above; vic is viewer' });
  });

  it('ends after the idle time without requests, and at maxAge whatever the use', async () => {
    const idle = await login('vic', 'vic password');
    await clock.advance(2 * M - 1000);
    expect((await api.inject({ url: '/api/me', headers: { cookie: idle.cookie } })).statusCode).toBe(200); // moves the idle deadline on
    await clock.advance(2 * M - 1000);
    expect((await api.inject({ url: '/api/me', headers: { cookie: idle.cookie } })).statusCode).toBe(200);
    await clock.advance(2 * M);
    const ended = await api.inject({ url: '/api/me', headers: { cookie: idle.cookie } });
    expect(ended.statusCode).toBe(401);
    expect(ended.json().message).toMatch(/session has ended/);

    const busy = await login('vic', 'vic password');
    for (let m = 0; m < 10; m++) {
      expect((await api.inject({ url: '/api/me', headers: { cookie: busy.cookie } })).statusCode, `minute ${m}`).toBe(200);
      await clock.advance(M);
    }
    expect((await api.inject({ url: '/api/me', headers: { cookie: busy.cookie } })).statusCode).toBe(401);
  });

  it('logs out: the session ends and the cookie is cleared', async () => {
    const { cookie, csrf } = await login('vic', 'vic password');
    const out = await api.inject({ method: 'POST', url: '/api/logout', headers: { cookie, 'x-csrf-token': csrf }, payload: {} });
    expect(out.json()).toEqual({ loggedOut: true });
    expect(String(out.headers['set-cookie'])).toMatch(/^cbm_session=; Max-Age=0|^cbm_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await api.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('a user changes their password: the old one stops working and their other sessions end', async () => {
    const first = await login('tess', 'tess password');
    const second = await login('tess', 'tess password');
    const wrong = await api.inject({ method: 'POST', url: '/api/me/password', headers: { cookie: first.cookie, 'x-csrf-token': first.csrf }, payload: { current: 'nope nope', password: 'tess new password' } });
    expect(wrong.statusCode).toBe(401);
    const res = await api.inject({ method: 'POST', url: '/api/me/password', headers: { cookie: first.cookie, 'x-csrf-token': first.csrf }, payload: { current: 'tess password', password: 'tess new password' } });
    expect(res.statusCode).toBe(200);
    expect((await api.inject({ url: '/api/me', headers: { cookie: second.cookie } })).statusCode).toBe(401);
    expect((await api.inject({ url: '/api/me', headers: { cookie: String(res.headers['set-cookie']).split(';', 1)[0]! } })).statusCode).toBe(200);
    expect((await login('tess', 'tess password')).res.statusCode).toBe(401);
    expect((await login('tess', 'tess new password')).res.statusCode).toBe(200);
  });

  it('limits logins per address (api.rateLimit.login), with the one error shape and Retry-After', async () => {
    const limited = buildApi(gw.view, defaultApiSettings({ auth: 'users', rateLimit: { login: { max: 3, window: 60_000 }, commands: { max: 120, window: 60_000 } } }));
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await limited.inject({ method: 'POST', url: '/api/login', payload: { user: 'vic', password: 'wrong password' } })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const res = await limited.inject({ method: 'POST', url: '/api/login', payload: { user: 'vic', password: 'vic password' } });
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ code: 'CBM_ERR_RATE_LIMITED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});
