import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../gateway/access.js';
import { buildApi } from '../../gateway/api.js';
import { registerRuleRoutes } from '../../gateway/api-rules.js';
import type { Gateway } from '../../gateway/gateway.js';
import { ManualClock } from '../../src/core/clock.js';
import { bearingRule, pumpSite, startGateway, writeSite, type RuleInput } from '../helpers/gateway.js';
import { seedHistory } from '../unit/history/seed.js';

const MIN = 60_000;
const DAY = 86_400_000;
const END = Date.UTC(2026, 2, 10, 6, 0);
/** Day 2 of the seeded history: p-1's bearing ramps from 60 to 95 °C. */
const RAMP = END - DAY;
const rampAt = (t: number) => 60 + (35 * (t - RAMP)) / DAY;

const offRule: RuleInput = { id: 'vib-high', name: 'Vibration high', enabled: false, selector: { class: 'pump' }, priority: 3, conditions: { all: [{ fact: 'vibration', operator: 'greaterThan', value: 7.1 }] }, workOrder: { title: 'Vibration' } };
const rulesYaml = (limit: number, rules: RuleInput[] = []) => stringify({ rules: [{ ...bearingRule, conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: limit }] } }, ...rules] });

/**
 * The rules API over a gateway with two pumps: p-1 ran normal for a day, then its bearing
 * temperature ramped up through the day before now; p-2 stayed at 60 °C. One minute a sample, in
 * the store before the gateway started.
 */
describe('rules API', () => {
  let gw: Gateway;
  let dir: string;
  let api: FastifyInstance;
  const audit: AuditEntry[] = [];
  const clock = new ManualClock(END);
  const ruleFile = () => join(dir, 'rules', 'rules.yaml');
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const res = await api.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.json() as any };
  };
  const FILE = encodeURIComponent('rules/rules.yaml');

  beforeAll(async () => {
    const site = writeSite(pumpSite(2, { api: { enabled: false }, gateway: { id: 'test-gw', dataDir: './data', logLevel: 'silent', watchRules: false } }), [bearingRule, offRule]);
    dir = site.dir;
    seedHistory(site.file, END, (add) => {
      for (let t = END - 2 * DAY + 30_000; t < END; t += MIN) {
        add('p-1/bearing_temp', t, t < RAMP ? 60 : rampAt(t));
        add('p-2/bearing_temp', t, 60);
      }
    });
    gw = await startGateway(site.file, { clock });
    api = buildApi({ ...gw.view, audit: { record: (e) => void audit.push({ ...e, at: e.at ?? 0 }), list: (o) => gw.view.audit.list(o) } });
  });
  afterAll(() => gw?.stop());

  it('lists every rule with its file, priority, group, conditions and the assets it applies to', async () => {
    expect((await call('GET', '/api/rules')).body).toEqual([
      { id: 'bearing-hot', name: 'Bearing hot', description: null, file: 'rules/rules.yaml', priority: 2, group: 'bearing-hot', assets: ['p-1', 'p-2'], enabled: true, conditions: bearingRule.conditions, clear: null, deadband: 5 },
      { id: 'vib-high', name: 'Vibration high', description: null, file: 'rules/rules.yaml', priority: 3, group: 'vib-high', assets: [], enabled: false, conditions: offRule.conditions, clear: null, deadband: 0 },
    ]);
  });

  it('serves the rule files the site names, and no other path', async () => {
    const files = (await call('GET', '/api/rules/files')).body;
    expect(files).toEqual([{ file: 'rules/rules.yaml', version: expect.stringMatching(/^[0-9a-f]{16}$/), updatedAt: expect.any(String) }]);
    const one = (await call('GET', `/api/rules/files/${FILE}`)).body;
    expect(one).toMatchObject({ file: 'rules/rules.yaml', version: files[0].version, yaml: readFileSync(ruleFile(), 'utf8') });
    for (const bad of ['site.yaml', '../rules/rules.yaml', 'rules/../site.yaml', '/etc/passwd', 'rules']) {
      const res = await call('GET', `/api/rules/files/${encodeURIComponent(bad)}`);
      expect(res, bad).toEqual({ status: 404, body: { code: 'CBM_ERR_NOT_FOUND', message: `no rule file "${bad}"; the site's rule files: rules/rules.yaml` } });
    }
    expect((await call('PUT', `/api/rules/files/${encodeURIComponent('site.yaml')}`, { yaml: 'x: 1', version: 'v' })).status).toBe(404);
  });

  it('validates as `rules check` does: every problem with line, column and path', async () => {
    const good = (await call('POST', '/api/rules/validate', { file: 'rules/rules.yaml', yaml: rulesYaml(90) })).body;
    expect(good).toEqual({ ok: true, problems: [], warnings: [], rules: [{ id: 'bearing-hot', name: 'Bearing hot', priority: 2, assets: ['p-1', 'p-2'] }] });

    const typo = rulesYaml(90).replace('greaterThan', 'greaterThen').replace('priority: 2', 'priority: 7');
    const bad = (await call('POST', '/api/rules/validate', { file: 'rules/rules.yaml', yaml: typo })).body;
    expect(bad.ok).toBe(false);
    expect(bad.problems.map((p: any) => p.path)).toEqual(expect.arrayContaining(['rules[0].priority', expect.stringMatching(/^rules\[0\]\.conditions/)]));
    for (const p of bad.problems) expect(p).toMatchObject({ file: 'rules/rules.yaml', line: expect.any(Number), column: expect.any(Number) });
    const prio = bad.problems.find((p: any) => p.path === 'rules[0].priority');
    expect(typo.split('\n')[prio.line - 1]).toMatch(/priority: 7/);

    const syntax = (await call('POST', '/api/rules/validate', { file: 'rules/rules.yaml', yaml: 'rules:\n  - id: x\n    name: [unclosed\n' })).body;
    expect(syntax).toMatchObject({ ok: false, problems: [{ file: 'rules/rules.yaml', line: expect.any(Number), message: expect.stringMatching(/^YAML syntax/) }] });

    // A new text beside the site's files: a rule id the site already has is a problem.
    const dup = (await call('POST', '/api/rules/validate', { yaml: rulesYaml(90) })).body;
    expect(dup.problems).toEqual([expect.objectContaining({ file: '(edited)', path: 'rules[0].id', message: expect.stringContaining('duplicate rule id "bearing-hot"') })]);
    expect((await call('POST', '/api/rules/validate', { yml: 'x' })).body).toMatchObject({ code: 'CBM_ERR_BAD_REQUEST', message: expect.stringMatching(/^body/) });
  });

  it('dry-run replays the selected assets\' 1-minute history through the edited rules', async () => {
    const res = await call('POST', '/api/rules/dry-run', { file: 'rules/rules.yaml', yaml: rulesYaml(90), from: new Date(END - 2 * DAY).toISOString(), to: new Date(END).toISOString() });
    expect(res.status).toBe(200);
    const r = res.body;
    // p-1 first averages above 90 °C in this minute; its sample stands at the minute's middle.
    let t = RAMP + 30_000;
    while (rampAt(t) <= 90) t += MIN;
    expect(r).toMatchObject({ resolution: '1m', value: 'avg', assets: ['p-1', 'p-2'], samples: 2 * 2 * 1440, raised: 1, orders: 1, updates: 0, held: 0 });
    expect(r.perAsset).toEqual({ 'p-1': { raised: 1, orders: 1, updates: 0, held: 0, firstRaised: new Date(t).toISOString() }, 'p-2': { raised: 0, orders: 0, updates: 0, held: 0, firstRaised: null } });
    expect(r.events.filter((e: any) => e.type === 'workorder')).toEqual([expect.objectContaining({ asset: 'p-1', rule: 'bearing-hot', ts: new Date(t).toISOString(), priority: 2 })]);
    // A limit the history never reached: nothing. Only the assets asked for.
    expect((await call('POST', '/api/rules/dry-run', { yaml: rulesYaml(99).replace('bearing-hot', 'bearing-hotter'), assets: ['p-2'] })).body).toMatchObject({ assets: ['p-2'], raised: 0, orders: 0 });
    // Edited rules that do not load are refused with their problems.
    expect((await call('POST', '/api/rules/dry-run', { file: 'rules/rules.yaml', yaml: 'rules: 3' })).body).toMatchObject({ code: 'CBM_ERR_RULE_REJECTED', problems: [expect.objectContaining({ path: 'rules' })] });
  });

  it('save writes the file, reloads, records the version and the audit entry; the next order follows the new rule', async () => {
    const before = (await call('GET', `/api/rules/files/${FILE}`)).body;
    const yaml = rulesYaml(70, [offRule]);
    const res = await call('PUT', `/api/rules/files/${FILE}`, { yaml, version: before.version });
    expect(res).toEqual({ status: 200, body: { file: 'rules/rules.yaml', version: expect.any(String), changed: true, rules: 1, instances: 2 } });
    expect(readFileSync(ruleFile(), 'utf8')).toBe(yaml);
    expect(audit.at(-1)).toEqual({ at: END, actor: 'api', action: 'rule.save', target: 'rules/rules.yaml', before: before.yaml, after: yaml });
    // 75 °C was fine under the old limit (80); under the saved one (70) it makes an order.
    const orders = gw.view.ingest().workOrders;
    gw.ingest([{ tag: 'p-2/bearing_temp', ts: END, value: 75, quality: 'Good' }]);
    expect(gw.view.ingest().workOrders).toBe(orders + 1);
    const versions = (await call('GET', `/api/rules/files/${FILE}/versions`)).body;
    expect(versions).toEqual([
      { version: res.body.version, at: new Date(END).toISOString(), actor: 'api', action: 'save' },
      { version: before.version, at: expect.any(String), actor: 'file', action: 'file' },
    ]);
    // The same text again changes nothing.
    expect((await call('PUT', `/api/rules/files/${FILE}`, { yaml, version: res.body.version })).body).toEqual({ file: 'rules/rules.yaml', version: res.body.version, changed: false });
  });

  it('refuses a save over a version it did not read (409), and one that does not load (422), leaving the file as it was', async () => {
    const now = (await call('GET', `/api/rules/files/${FILE}`)).body;
    const stale = await call('PUT', `/api/rules/files/${FILE}`, { yaml: rulesYaml(50), version: '0123456789abcdef' });
    expect(stale).toEqual({ status: 409, body: { code: 'CBM_ERR_RULE_STALE', message: `rules/rules.yaml changed since version 0123456789abcdef was read (it is ${now.version} now); read it again and reapply the edit`, version: now.version } });
    const broken = await call('PUT', `/api/rules/files/${FILE}`, { yaml: 'rules:\n  - id: [oops\n', version: now.version });
    expect(broken.status).toBe(422);
    expect(broken.body).toMatchObject({ code: 'CBM_ERR_RULE_REJECTED', problems: [expect.objectContaining({ file: 'rules/rules.yaml', line: expect.any(Number) })] });
    const unknownTag = await call('PUT', `/api/rules/files/${FILE}`, { yaml: rulesYaml(70).replace('fact: bearing_temp', 'fact: bearing_tmp'), version: now.version });
    expect(unknownTag.status).toBe(422);
    expect(readFileSync(ruleFile(), 'utf8')).toBe(now.yaml);
    expect(gw.view.rules().rules.map((r) => r.rule.conditions)).toEqual([{ all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 70 }] }]);
    expect(audit.filter((e) => e.action === 'rule.save')).toHaveLength(1);
  });

  it('puts the file back when the gateway cannot reload what was checked', async () => {
    // Say the file changed once more between the check and the reload: the reload fails.
    const now = (await call('GET', `/api/rules/files/${FILE}`)).body;
    let reloads = 0;
    const failing = buildApi({ ...gw.view, audit: { record: (e) => void audit.push({ ...e, at: e.at ?? 0 }), list: (o) => gw.view.audit.list(o) }, reloadRules: () => (++reloads === 1 ? { ok: false, problems: ['rules/rules.yaml:3:5: rules[0].conditions: changed under us'] } : gw.view.reloadRules()) });
    const res = await failing.inject({ method: 'PUT', url: `/api/rules/files/${FILE}`, payload: { yaml: rulesYaml(65), version: now.version } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'CBM_ERR_RULE_REJECTED', problems: [{ file: 'rules/rules.yaml', line: null, message: 'rules/rules.yaml:3:5: rules[0].conditions: changed under us' }] });
    expect(reloads).toBe(2); // once with the new text, once with the old one put back
    expect(readFileSync(ruleFile(), 'utf8')).toBe(now.yaml);
    expect(gw.view.rules().rules.map((r) => r.rule.conditions)).toEqual([{ all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 70 }] }]);
    expect((await call('GET', `/api/rules/files/${FILE}/versions`)).body[0]).toMatchObject({ version: now.version });
    await failing.close();
  });

  it('rolls back to a stored version: written, reloaded, audited', async () => {
    const versions = (await call('GET', `/api/rules/files/${FILE}/versions`)).body;
    const original = versions.at(-1);
    const now = (await call('GET', `/api/rules/files/${FILE}`)).body;
    const res = await call('POST', `/api/rules/files/${FILE}/rollback`, { version: original.version });
    expect(res.body).toMatchObject({ version: original.version, changed: true, rules: 1 });
    expect(gw.view.rules().rules.map((r) => r.rule.conditions)).toEqual([bearingRule.conditions]);
    expect(audit.at(-1)).toMatchObject({ action: 'rule.rollback', target: 'rules/rules.yaml', before: now.yaml, after: readFileSync(ruleFile(), 'utf8') });
    expect((await call('GET', `/api/rules/files/${FILE}/versions`)).body[0]).toMatchObject({ version: original.version, action: 'rollback' });
    expect(await call('POST', `/api/rules/files/${FILE}/rollback`, { version: 'ffffffffffffffff' })).toMatchObject({ status: 404, body: { code: 'CBM_ERR_NOT_FOUND' } });
  });

  it('a file edited by hand meanwhile is a version of its own, and a stale save is refused against it', async () => {
    const read = (await call('GET', `/api/rules/files/${FILE}`)).body;
    writeFileSync(ruleFile(), rulesYaml(85));
    const res = await call('PUT', `/api/rules/files/${FILE}`, { yaml: rulesYaml(75), version: read.version });
    expect(res.status).toBe(409);
    const versions = (await call('GET', `/api/rules/files/${FILE}/versions`)).body;
    expect(versions[0]).toMatchObject({ actor: 'file', action: 'file' });
  });
});

describe('rules API roles', () => {
  it('reads need a viewer; validate, dry-run, save, versions and rollback an engineer', async () => {
    const app = Fastify();
    const roles: string[] = [];
    app.addHook('onRoute', (r) => void roles.push(`${[r.method].flat().join(',')} ${r.url} ${r.config?.role ?? 'viewer'}`));
    registerRuleRoutes(app, {} as Parameters<typeof registerRuleRoutes>[1]);
    await app.ready();
    expect(roles.filter((r) => !r.startsWith('HEAD'))).toEqual([
      'GET /api/rules viewer',
      'GET /api/rules/files viewer',
      'GET /api/rules/files/:file viewer',
      'POST /api/rules/validate engineer',
      'POST /api/rules/dry-run engineer',
      'PUT /api/rules/files/:file engineer',
      'GET /api/rules/files/:file/versions engineer',
      'POST /api/rules/files/:file/rollback engineer',
    ]);
    await app.close();
  });
});
