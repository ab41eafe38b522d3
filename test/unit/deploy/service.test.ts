import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/servers.js';

const root = join(import.meta.dirname, '../../..');
const unitText = readFileSync(join(root, 'deploy/cbm-gateway.service'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** `[Section] Key=Value` lines of a unit file; a key set twice keeps every value, in order. */
function unitSettings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(l);
    if (s) section = s[1]!;
    else {
      const eq = l.indexOf('=');
      const key = `${section}.${l.slice(0, eq)}`;
      out.set(key, [...(out.get(key) ?? []), l.slice(eq + 1)]);
    }
  }
  return out;
}
const unit = unitSettings(unitText);
const one = (key: string) => unit.get(key)?.at(-1);

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const hasAnalyze = analyze.status === 0;
if (!hasAnalyze) console.warn('skipping the systemd-analyze checks of deploy/cbm-gateway.service: systemd-analyze is not installed (Debian package systemd)');

/**
 * The unit as systemd reads it. It names /usr/bin/node (Debian's and NodeSource's Node); on a
 * machine with Node elsewhere the copy checked here names this test's own Node instead, since
 * `verify` fails on an ExecStart that does not exist.
 */
function unitFile(): string {
  const file = join(tempDir('unit'), 'cbm-gateway.service');
  writeFileSync(file, existsSync('/usr/bin/node') ? unitText : unitText.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  return file;
}

describe('deploy/cbm-gateway.service', () => {
  it.skipIf(!hasAnalyze)('systemd-analyze verify accepts it without a warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', unitFile()], { encoding: 'utf8' });
    // verify exits 0 on unknown keys and bad values, saying so on stderr only: both must be clean.
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasAnalyze)('its sandbox keeps systemd-analyze security exposure at 2.5 or below (of 10)', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=25', unitFile()], { encoding: 'utf8' });
    expect(r.stdout, r.stdout.split('\n').filter((l) => l.includes('✗')).join('\n')).toMatch(/Overall exposure level for cbm-gateway\.service: [0-2]\.\d/);
    expect(r.status).toBe(0);
  });

  it('starts the gateway with the command `npm start` runs, from the install folder', () => {
    expect(one('Service.WorkingDirectory')).toBe('/opt/cbm-gateway');
    expect(one('Service.ExecStart')!.replace(/^\/usr\/bin\//, '')).toBe(pkg.scripts.start);
    expect(unit.get('Service.Environment')).toContain('CBM_CONFIG=/etc/cbm-gateway/site.yaml');
  });

  it('runs as its own user in a read-only system, writing only its state directory', () => {
    expect(one('Service.DynamicUser')).toBe('yes');
    expect(one('Service.StateDirectory')).toBe('cbm-gateway');
    expect(one('Service.ProtectSystem')).toBe('strict');
    expect(one('Service.ReadOnlyPaths')?.split(' ')).toEqual(expect.arrayContaining(['/etc/cbm-gateway', '/opt/cbm-gateway']));
    for (const k of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome']) expect(one(`Service.${k}`), k).toBe('yes');
    expect(one('Service.RestrictAddressFamilies')?.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    expect(one('Service.CapabilityBoundingSet')).toBe('');
  });

  it('gives shutdown the same time as the compose example', () => {
    const compose = parseYaml(readFileSync(join(root, 'deploy/compose.yaml'), 'utf8')) as { services: { gateway: { stop_grace_period: string } } };
    expect(one('Service.TimeoutStopSec')).toBe(compose.services.gateway.stop_grace_period);
    expect(one('Service.KillSignal')).toBe('SIGTERM');
  });
});
