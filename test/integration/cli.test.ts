import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearingRule, pumpSite, writeSite } from '../helpers/gateway.js';
import { spawnLogged, waitFor } from '../helpers/servers.js';

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

  it('rules test: replays a samples file and prints the same timeline as the golden replay', () => {
    const g = join(import.meta.dirname, '../golden');
    const r = spawnSync(process.execPath, [...CLI, 'rules', 'test', '--config', join(g, 'site.yaml'), '--rules', join(g, 'on-delay-spike/rules.yaml'), '--samples', join(g, 'on-delay-spike/samples.csv'), '--json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(g, 'on-delay-spike/expected.ndjson'), 'utf8'));
    const text = spawnSync(process.execPath, [...CLI, 'rules', 'test', '--config', join(g, 'site.yaml'), '--rules', join(g, 'on-delay-spike/rules.yaml'), '--samples', join(g, 'on-delay-spike/samples.csv')], { encoding: 'utf8' });
    expect(text.stdout).toMatch(/WORK ORDER {2}P2 {2}p-1 {2}bearing-hot/);
    expect(text.stdout).toMatch(/300 samples, 2 alarm changes, 1 work orders/);
  });

  it('rules check: the shipped rule library compiles against the golden site', () => {
    const g = join(import.meta.dirname, '../golden');
    const r = spawnSync(process.execPath, [...CLI, 'rules', 'check', '--config', join(g, 'site.yaml'), '--rules', join(import.meta.dirname, '../../rules/library')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/iso10816-g2-rigid-zone-d: P1 on p-1/);
    expect(r.stdout).toMatch(/pm-2000-run-hours: P4 on p-1/);
    expect(r.status).toBe(0);
  });

  it('unknown command: exit 2 with usage', () => {
    const r = spawnSync(process.execPath, [...CLI, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Usage: cbm-gateway/);
  });
});
