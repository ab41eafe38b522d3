import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import type { Logger } from '../../src/core/logger.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';

const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../gateway/cli.ts')];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A field install from the shell: the first admin and a technician added with the CLI before the
 * gateway ever ran, a token made for Prometheus, the API on HTTPS with a certificate of its own;
 * then a browser's login and command, and a machine's token, against the running gateway.
 */
describe('users, tokens and HTTPS on a running gateway', () => {
  let gw: Gateway;
  let file: string;
  let dir: string;
  let cert: Buffer;
  let promToken: string;
  const warnings: string[] = [];

  const cli = (args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    spawnSync(process.execPath, [...CLI, ...args, '--config', file], { encoding: 'utf8', input: o.input ?? '', env: { ...process.env, CBM_PASSWORD: undefined, ...o.env } });

  function https(method: string, path: string, headers: Record<string, string> = {}, body?: object): Promise<Answer> {
    const url = new URL(path, gw.apiAddress);
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(url, { method, ca: cert, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  beforeAll(async () => {
    ({ file, dir } = writeSite(pumpSite(1, { api: { auth: 'users', port: 0, tls: { certFile: 'tls/cert.pem', keyFile: 'tls/key.pem' } } }), [bearingRule]));
    execFileSync('mkdir', ['-p', join(dir, 'tls')]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls/key.pem', '-out', 'tls/cert.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { cwd: dir, stdio: 'ignore' });
    cert = readFileSync(join(dir, 'tls/cert.pem'));
  });
  afterAll(() => gw?.stop());

  it('adds the first admin from a password file and a technician from standard input, before the first start', () => {
    writeFileSync(join(dir, 'admin.pw'), 'admin password one\n');
    const admin = cli(['users', 'add', '--user', 'ada', '--role', 'admin', '--password-file', join(dir, 'admin.pw')]);
    expect(admin.stderr).toBe('');
    expect(admin.stdout).toBe('added ada (admin)\n');
    expect(cli(['users', 'add', '-u', 'tom', '-r', 'technician'], { input: 'tom password one\n' }).status).toBe(0);
    const dup = cli(['users', 'add', '-u', 'tom', '-r', 'viewer'], { env: { CBM_PASSWORD: 'another password' } });
    expect(dup.status).toBe(1);
    expect(dup.stderr).toMatch(/CBM_ERR_ALREADY_EXISTS: user "tom" exists already/);
    expect(cli(['users', 'add', '-u', 'x', '-r', 'boss']).status).toBe(2);
    const list = cli(['users', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { user: string; role: string }[]).map((u) => `${u.user}:${u.role}`)).toEqual(['ada:admin', 'tom:technician']);
    const token = cli(['tokens', 'create', '--name', 'prometheus', '--role', 'viewer', '--expires', '365d']);
    expect(token.status).toBe(0);
    promToken = token.stdout.trim();
    expect(promToken).toMatch(/^cbm_[\w-]{43}$/);
    expect(cli(['tokens', 'list']).stdout).not.toContain(promToken);
  });

  it('serves the API on HTTPS: Secure session cookie, HSTS, login, a command with its CSRF token, audited', async () => {
    const log: Logger = { debug() {}, info() {}, warn: (_o, m) => void warnings.push(m ?? ''), error() {}, child: () => log };
    gw = await startGateway(file, { log });
    expect(gw.apiAddress).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(warnings.join('\n')).not.toMatch(/no users yet/);
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: Date.now(), value: 92, quality: 'Good' }]);

    expect((await https('GET', '/api/assets')).status).toBe(401);
    expect((await https('GET', '/api/health')).status).toBe(200); // open by default, for container health checks
    expect((await https('GET', '/metrics')).status).toBe(401);
    const login = await https('POST', '/api/login', {}, { user: 'tom', password: 'tom password one' });
    expect(login.status).toBe(200);
    expect(login.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly; Secure; SameSite=Strict/);
    const cookie = setCookie.split(';', 1)[0]!;
    const { csrf } = JSON.parse(login.body) as { csrf: string };
    const ack = await https('POST', '/api/alarms/bearing-hot/p-1/ack', { cookie, 'x-csrf-token': csrf }, {});
    expect(JSON.parse(ack.body)).toEqual({ acknowledged: true });
    expect(gw.view.audit.list({ action: 'alarm.acknowledge' })[0]).toMatchObject({ actor: 'tom', target: 'bearing-hot@p-1' });
    const cancel = await https('POST', `/api/work-orders/${gw.view.outbox.list()[0]!.order.id}/cancel`, { cookie, 'x-csrf-token': csrf }, {});
    expect(cancel.status).toBe(403);
  });

  it("a machine's token reads metrics; revoked from the shell, it stops at once", async () => {
    const auth = { authorization: `Bearer ${promToken}` };
    const m = await https('GET', '/metrics', auth);
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/^cbm_alarms_active\{priority="2"\} 1$/m);
    expect(cli(['tokens', 'revoke', 'prometheus']).stdout).toMatch(/^revoked prometheus/);
    expect((await https('GET', '/metrics', auth)).status).toBe(401);
    const audit = gw.view.audit.list({ action: 'token.revoke' })[0];
    expect(audit).toMatchObject({ actor: expect.stringMatching(/^cli:/), target: 'token:prometheus' });
  });

  it('says how to add the first admin, in the log and in the answer, when a gateway starts with no users', async () => {
    const empty = writeSite(pumpSite(1, { api: { auth: 'users', port: 0 } }), [bearingRule]);
    const seen: string[] = [];
    const log: Logger = { debug() {}, info() {}, warn: (_o, m) => void seen.push(m ?? ''), error() {}, child: () => log };
    const other = await startGateway(empty.file, { log });
    try {
      expect(seen.join('\n')).toMatch(/no users yet.*cbm-gateway users add/);
      const res = await fetch(`${other.apiAddress}/api/assets`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('CBM_ERR_NO_USERS');
    } finally {
      await other.stop();
    }
  });
});
