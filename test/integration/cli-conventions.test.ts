import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../gateway/cli.ts')];
const run = (...args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8' });

/** The conventions as a shell sees them: exit codes and which stream the text goes to. */
describe('cbm-gateway CLI as a process', () => {
  it('--version prints the package version, exit 0', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const r = run('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('a sub-command --help prints its usage and options on stdout, exit 0', () => {
    const r = run('rules', 'test', '--help');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: cbm-gateway rules test --config SITE/);
    expect(r.stdout).toMatch(/^ {2}-s, --samples FILE\s+recorded samples/m);
  });

  it('an unknown option is named on stderr with the usage, exit 2', () => {
    const r = run('start', '--confg', 'site.yaml');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^unknown option --confg for "start"\n\nUsage: cbm-gateway start --config FILE[ \n]/);
  });
});
