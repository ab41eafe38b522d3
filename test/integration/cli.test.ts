import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
        sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0 }, topics: [{ topic: 'p/{asset}/{tag}' }] }],
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

  it('unknown command: exit 2 with usage', () => {
    const r = spawnSync(process.execPath, [...CLI, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Usage: cbm-gateway/);
  });
});
