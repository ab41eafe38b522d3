import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { AuditStore } from '../../../gateway/audit.js';
import { hashPassword, needsRehash, verifyPassword, DEFAULT_SCRYPT } from '../../../gateway/passwords.js';
import { ensureUsers, UserStore } from '../../../gateway/users.js';
import { openStore } from '../../../src/store/db.js';
import { ManualClock } from '../../../src/core/clock.js';
import { bearingRule, pumpSite, securedApiOf, startGateway, TEST_SCRYPT, writeSite } from '../../helpers/gateway.js';
import { tempDir } from '../../helpers/servers.js';

/** Issue 17: users and API tokens, managed by an admin; secrets never stored or shown twice. */
describe('users and API tokens', () => {
  let gw: Gateway;
  let api: FastifyInstance;
  let admin: { authorization: string };
  let dbFile: string;
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 8));

  beforeAll(async () => {
    const site = writeSite(pumpSite(1, { api: { enabled: false } }), [bearingRule]);
    dbFile = join(site.dir, 'data', 'gateway.db');
    gw = await startGateway(site.file, { clock });
    const s = securedApiOf(gw, 'admin');
    api = s.api;
    admin = { authorization: s.authorization };
  });
  afterAll(() => gw?.stop());

  const as = (headers: Record<string, string>) => ({
    get: (url: string) => api.inject({ url, headers }),
    post: (url: string, payload: object) => api.inject({ method: 'POST', url, headers, payload }),
    put: (url: string, payload: object) => api.inject({ method: 'PUT', url, headers, payload }),
    del: (url: string) => api.inject({ method: 'DELETE', url, headers }),
  });

  it('hashes passwords with scrypt and a salt per hash, the parameters stored beside them', async () => {
    const a = await hashPassword('correct horse', TEST_SCRYPT);
    const b = await hashPassword('correct horse', TEST_SCRYPT);
    expect(a).toMatch(/^scrypt\$N=1024,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(needsRehash(a)).toBe(true);
    expect(needsRehash(a, TEST_SCRYPT)).toBe(false);
    expect(DEFAULT_SCRYPT).toEqual({ N: 32768, r: 8, p: 3 });
  });

  it('an admin adds, lists, changes and removes users; passwords never come back', async () => {
    const admin_ = as(admin);
    const add = await admin_.post('/api/users', { user: 'jane', role: 'technician', password: 'jane password' });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toEqual({ user: 'jane', role: 'technician', createdAt: '2026-11-25T08:00:00.000Z', updatedAt: '2026-11-25T08:00:00.000Z', lastLoginAt: null });
    expect((await admin_.post('/api/users', { user: 'jane', role: 'viewer', password: 'other password' })).json()).toMatchObject({ code: 'CBM_ERR_ALREADY_EXISTS' });
    expect((await admin_.post('/api/users', { user: 'bob', role: 'viewer', password: 'short' })).json()).toEqual({ code: 'CBM_ERR_BAD_REQUEST', message: 'a password needs at least 8 characters' });
    expect((await admin_.post('/api/users', { user: 'b b', role: 'viewer', password: 'long enough' })).statusCode).toBe(400);
    expect((await admin_.post('/api/users', { user: 'bob', role: 'king', password: 'long enough' })).statusCode).toBe(400);
    const list = await admin_.get('/api/users');
    expect(list.body).not.toMatch(/scrypt|password/);
    expect(list.json()).toEqual([expect.objectContaining({ user: 'jane', role: 'technician' })]);

    const login = () => api.inject({ method: 'POST', url: '/api/login', payload: { user: 'jane', password: 'jane password' } });
    expect((await login()).json()).toMatchObject({ role: 'technician' });
    expect((await admin_.put('/api/users/jane', { role: 'engineer' })).json()).toMatchObject({ user: 'jane', role: 'engineer' });
    expect((await login()).json()).toMatchObject({ role: 'engineer' });
    await admin_.put('/api/users/jane', { password: 'jane second password' });
    expect((await login()).statusCode).toBe(401);
    expect((await admin_.del('/api/users/jane')).json()).toMatchObject({ user: 'jane' });
    expect((await admin_.del('/api/users/jane')).statusCode).toBe(404);
  });

  it('keeps the last admin: removing or demoting them is refused until there is another', async () => {
    const admin_ = as(admin);
    await admin_.post('/api/users', { user: 'root1', role: 'admin', password: 'root1 password' });
    expect((await admin_.put('/api/users/root1', { role: 'viewer' })).json()).toMatchObject({ code: 'CBM_ERR_STATE_CONFLICT', message: expect.stringContaining('last admin') });
    expect((await admin_.del('/api/users/root1')).statusCode).toBe(409);
    await admin_.post('/api/users', { user: 'root2', role: 'admin', password: 'root2 password' });
    expect((await admin_.del('/api/users/root1')).statusCode).toBe(200);
  });

  it('makes a token shown once, stored as its hash only; it works until revoked, or until it expires', async () => {
    const admin_ = as(admin);
    const res = await admin_.post('/api/tokens', { name: 'prometheus', role: 'viewer', expiresIn: '1h' });
    expect(res.statusCode).toBe(201);
    const made = res.json() as { id: string; token: string; expiresAt: string };
    expect(made).toMatchObject({ name: 'prometheus', role: 'viewer', createdBy: expect.stringMatching(/^token:test-admin-/), expiresAt: '2026-11-25T09:00:00.000Z' });
    expect(made.token).toMatch(/^cbm_[\w-]{43}$/);
    expect((await admin_.get('/api/tokens')).body).not.toContain(made.token);
    expect((await admin_.post('/api/tokens', { name: 'prometheus', role: 'viewer' })).statusCode).toBe(409);
    const db = new Database(dbFile, { readonly: true });
    const stored = db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(made.id) as Record<string, unknown>;
    db.close();
    expect(stored.hash).toBe(createHash('sha256').update(made.token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(made.token.slice(4));

    const prom = as({ authorization: `Bearer ${made.token}` });
    expect((await prom.get('/metrics')).statusCode).toBe(200);
    expect((await admin_.get('/api/tokens')).json()).toContainEqual(expect.objectContaining({ name: 'prometheus', lastUsedAt: '2026-11-25T08:00:00.000Z' }));
    await clock.advance(3_600_000);
    expect((await prom.get('/metrics')).json()).toMatchObject({ code: 'CBM_ERR_UNAUTHORIZED', message: 'the API token is unknown, revoked or expired' });

    const ci = (await admin_.post('/api/tokens', { name: 'ci', role: 'technician' })).json() as { id: string; token: string };
    expect((await as({ authorization: `Bearer ${ci.token}` }).get('/api/alarms')).statusCode).toBe(200);
    expect((await admin_.del(`/api/tokens/${ci.id}`)).json()).toMatchObject({ name: 'ci' });
    expect((await as({ authorization: `Bearer ${ci.token}` }).get('/api/alarms')).statusCode).toBe(401);
    expect((await admin_.del(`/api/tokens/${ci.id}`)).statusCode).toBe(404);
    // A revoked name can be used again.
    expect((await admin_.post('/api/tokens', { name: 'ci', role: 'viewer' })).statusCode).toBe(201);
  });

  it('a token of a lower role cannot manage users or tokens', async () => {
    const tech = securedApiOf(gw, 'technician');
    const res = await tech.api.inject({ method: 'POST', url: '/api/tokens', headers: { authorization: tech.authorization }, payload: { name: 'mine', role: 'admin' } });
    expect(res.statusCode).toBe(403);
  });

  it('ensureUsers (for the demo) adds the users that are missing and leaves existing ones and their passwords alone', async () => {
    const db = openStore(join(tempDir('ensure'), 'gateway.db'));
    try {
      const seeds = [
        { user: 'viewer', role: 'viewer', password: 'viewer-demo' },
        { user: 'admin', role: 'admin', password: 'admin-demo' },
      ] as const;
      expect(await ensureUsers(db, seeds, { by: 'demo', params: TEST_SCRYPT })).toEqual(['viewer', 'admin']);
      const users = new UserStore(db, clock, TEST_SCRYPT);
      await users.update('admin', { password: 'changed by the admin' });
      expect(await ensureUsers(db, [...seeds, { user: 'tech', role: 'technician', password: 'tech-demo' }], { by: 'demo', params: TEST_SCRYPT })).toEqual(['tech']);
      expect(await users.authenticate('admin', 'changed by the admin')).toEqual({ name: 'admin', role: 'admin' });
      expect(new AuditStore(db, clock).list({ actor: 'demo' }).map((e) => e.target)).toEqual(['user:tech', 'user:admin', 'user:viewer']);
    } finally {
      db.close();
    }
  });
});
