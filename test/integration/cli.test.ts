import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearingRule, pumpSite, writeSite } from '../helpers/gateway.js';
import { spawnLogged, tempDir, waitFor } from '../helpers/servers.js';

const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../gateway/cli.ts')];

describe('cbm-gateway CLI', () => {
  it('validate: exit 0 on the demo config', () => {
    const r = spawnSync(process.execPath, [...CLI, 'validate', '--config', join(import.meta.dirname, '../../edge-config/demo.yaml')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/demo\.yaml: OK \(\d+ assets/);
    expect(r.status).toBe(0);
  });

  it('validate: exit 1 listing every problem in config and rules with file, line and path', () => {
    const { dir, file } = writeSite(pumpSite(1), [
      { ...bearingRule, conditions: { all: [{ fact: 'bearing_tmp', operator: 'greaterThan', value: 80 }] } },
      { ...bearingRule, id: 'two', workOrder: { title: '{{value.nope}}' } },
    ]);
    let r = spawnSync(process.execPath, [...CLI, 'validate', '--config', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CBM_ERR_RULE_INVALID: 2 problem/);
    expect(r.stderr).toMatch(/rules\.yaml:\d+:\d+: rules\[0\]\.conditions\.all\[0\]\.fact: unknown fact "bearing_tmp"/);
    expect(r.stderr).toMatch(/rules\.yaml:\d+:\d+: rules\[1\]\.workOrder\.title: "\{\{value\.nope\}\}"/);

    writeFileSync(join(dir, 'site.yaml'), 'gateway: { id: x }\nsite: { id: s, name: S }\napi: { port: "eighty" }\nsources: [{ id: m, type: mqtt }]\n');
    r = spawnSync(process.execPath, [...CLI, 'validate', '--config', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/site\.yaml:3:\d+: api\.port: .*number/);
    expect(r.stderr).toMatch(/site\.yaml:4:\d+: sources\[0\]\.topics: required/);
  });

  it('start: runs until SIGTERM, then stops cleanly with exit 0', async () => {
    const { file } = writeSite(
      pumpSite(1, {
        sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'p/{asset}/{tag}' }] }],
        api: { port: 0 },
        gateway: { id: 'cli-gw', dataDir: './data', logLevel: 'info' },
      }),
      [bearingRule],
    );
    const p = spawnLogged(process.execPath, [...CLI, 'start', '--config', file]);
    await waitFor('gateway started', () => (p.output().includes('gateway started') ? true : undefined), 20_000);
    await p.stop('SIGTERM');
    expect(p.proc.exitCode).toBe(0);
    expect(p.output()).toContain('gateway stopped');
  });

  const golden = join(import.meta.dirname, '../golden');
  const rulesTest = (...args: string[]) => spawnSync(process.execPath, [...CLI, 'rules', 'test', '--config', join(golden, 'site.yaml'), ...args], { encoding: 'utf8' });

  it('rules test: replays a samples file and prints the same timeline as the golden replay, then the scorecard', () => {
    const r = rulesTest('--rules', join(golden, 'on-delay-spike/rules.yaml'), '--samples', join(golden, 'on-delay-spike/samples.csv'), '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(`${lines.slice(0, -1).join('\n')}\n`).toBe(readFileSync(join(golden, 'on-delay-spike/expected.ndjson'), 'utf8'));
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'scorecard', workOrders: 1, updates: 0, floodHolds: 0, assets: 1, samples: { total: 300, replayed: 300, bad: 0, notInSite: 0 } });
    const text = rulesTest('--rules', join(golden, 'on-delay-spike/rules.yaml'), '--samples', join(golden, 'on-delay-spike/samples.csv'));
    expect(text.stdout).toMatch(/WORK ORDER {2}P2 {2}p-1 {2}bearing-hot/);
    expect(text.stdout).toMatch(/samples {7}300 replayed\n {2}work orders {3}1 {2}\(/);
  });

  it('rules test --expect: every golden case passes its own expected file; a changed expectation fails, naming what is missing and unexpected', () => {
    for (const name of readdirSync(golden, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      if (existsSync(join(golden, name, 'actions.json'))) continue; // operator actions are not a CLI input
      if (!existsSync(join(golden, name, 'expected.ndjson'))) continue; // quality/: generated scenarios, no recorded case
      const opt = existsSync(join(golden, name, 'options.json')) ? (JSON.parse(readFileSync(join(golden, name, 'options.json'), 'utf8')) as { tail?: string }) : {};
      const r = rulesTest('--rules', join(golden, name, 'rules.yaml'), '--samples', join(golden, name, 'samples.csv'), '--expect', join(golden, name, 'expected.ndjson'), '--summary', ...(opt.tail ? ['--tail', opt.tail] : []));
      expect(r.stdout, name).toMatch(/: OK$/m);
      expect(r.status, name).toBe(0);
    }
    const dir = tempDir('cli-expect');
    writeFileSync(join(dir, 'expect.yaml'), 'orders:\n  - { asset: p-1, rule: bearing-temp-trend, priority: 3, after: +6h, before: +12h }\n');
    const r = rulesTest('--rules', join(golden, 'slow-bearing-degradation/rules.yaml'), '--samples', join(golden, 'slow-bearing-degradation/samples.csv'), '--expect', join(dir, 'expect.yaml'), '--summary');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('0 of 1 found, 2 unexpected: MISMATCH');
    expect(r.stdout).toMatch(/missing {5}p-1 {2}bearing-temp-trend {2}P3 {2}between 2026-01-05T06:00:00.000Z and 2026-01-05T12:00:00.000Z {2}\(line 2\)/);
    expect(r.stdout).toMatch(/unexpected {2}2026-01-05T22:56:00.000Z {2}p-1 {2}bearing-temp-trend {2}P3 {2}#1/);
  });

  it('rules test --limit: the lead time of each order before the limit was first crossed', () => {
    const r = rulesTest('--rules', join(golden, 'slow-bearing-degradation/rules.yaml'), '--samples', join(golden, 'slow-bearing-degradation/samples.csv'), '--limit', 'p-1/bearing_temp=95', '--summary');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/lead time before p-1\/bearing_temp ≥ 95 \(first crossed 2026-01-08T14:20:00.000Z\):\n {4}2026-01-05T22:56:00.000Z {2}P3 {2}bearing-temp-trend {2}#1 {2}2d 15h before\n {4}2026-01-08T14:20:10.000Z {2}P1 {2}bearing-temp-trip {2}#1 {2}10s after/);
  });

  it('rules test: samples naming assets or tags the site lacks, or values that are not numbers, are named with counts and lines; exit 1 unless allowed', () => {
    const dir = tempDir('cli-samples');
    const file = join(dir, 'samples.csv');
    writeFileSync(file, 'ts,asset,tag,value\n2026-01-05T00:00:00Z,p-1,bearing_temp,60\n2026-01-05T00:00:01Z,P-1,bearing_temp,61\n2026-01-05T00:00:02Z,P-1,bearing_temp,62\n2026-01-05T00:00:03Z,p-1,temp,1\n2026-01-05T00:00:04Z,p-1,bearing_temp,"95,5"\n');
    const rules = join(golden, 'on-delay-spike/rules.yaml');
    let r = rulesTest('--rules', rules, '--samples', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('3 samples name assets or tags the site does not have:');
    expect(r.stderr).toContain('asset "P-1": 2 samples; the site has no such asset (did you mean "p-1"?)');
    expect(r.stderr).toContain('p-1/temp: 1 sample; asset "p-1" has no tag "temp" (its tags: bearing_temp, vibration, running)');
    expect(r.stderr).toContain(`${file}:6: p-1/bearing_temp: read "95,5": decimal comma; expected a number`);
    r = rulesTest('--rules', rules, '--samples', file, '--allow-unknown', '--allow-bad', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ type: 'scorecard', samples: { total: 5, replayed: 2, bad: 1, notInSite: 3 } });
    writeFileSync(join(dir, 'empty.csv'), 'ts,asset,tag,value\n# nothing recorded\n');
    r = rulesTest('--rules', rules, '--samples', join(dir, 'empty.csv'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('empty.csv: no samples (a header, comments or empty lines only); nothing to replay');
  });

  it('rules check: the shipped rule library compiles against the golden site', () => {
    const g = join(import.meta.dirname, '../golden');
    const r = spawnSync(process.execPath, [...CLI, 'rules', 'check', '--config', join(g, 'site.yaml'), '--rules', join(import.meta.dirname, '../../rules/library')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/iso10816-g2-rigid-zone-d: P1 on p-1/);
    expect(r.stdout).toMatch(/pm-2000-run-hours: P4 on p-1/);
    expect(r.status).toBe(0);
  });

  it("rules check: an unknown operator is named, with the known ones, beside the file's other problems", () => {
    const { file } = writeSite(pumpSite(1), [
      { ...bearingRule, conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThen' as 'greaterThan', value: 80 }] } },
      { ...bearingRule, id: 'two', conditions: { all: [{ fact: 'bearing_tmp', operator: 'greaterThan', value: 80 }] } },
    ]);
    const r = spawnSync(process.execPath, [...CLI, 'rules', 'check', '--config', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/rules\.yaml:\d+:\d+: rules\[0\]\.conditions\.all\[0\]\.operator: unknown operator "greaterThen" \(did you mean greaterThan\?\); expected one of equal, notEqual, lessThan/);
    expect(r.stderr).toMatch(/rules\.yaml:\d+:\d+: rules\[1\]\.conditions\.all\[0\]\.fact: unknown fact "bearing_tmp"/);
  });

  it('unknown command: exit 2 with usage', () => {
    const r = spawnSync(process.execPath, [...CLI, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Usage: cbm-gateway/);
  });
});
