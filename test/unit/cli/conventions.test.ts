import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../gateway/commands/dispatch.js';
import { commands } from '../../../gateway/commands/registry.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs the CLI in-process on the real command registry; the dispatcher's text is captured. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(commands, argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('cbm-gateway CLI conventions', () => {
  for (const c of commands) {
    const name = c.words.join(' ');

    it(`${name} --help and -h print its usage and options, exit 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await cli(...c.words, flag);
        expect(r).toMatchObject({ code: 0, err: '' });
        expect(r.out.startsWith(`Usage: cbm-gateway ${c.usage}\n`)).toBe(true);
        expect(r.out).toMatch(/\nOptions:\n(.*\n)*\s+-h, --help\s+show this help/);
      }
      // Help wins over what would otherwise be a usage error (a missing --config, an unknown option).
      expect((await cli(...c.words, '--nope', '--help')).code).toBe(0);
    });

    it(`${name}: an unknown option is named with the command's usage, exit 2`, async () => {
      const r = await cli(...c.words, '--no-such-option');
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toContain(`unknown option --no-such-option for "${name}"`);
      expect(r.err).toContain(`Usage: cbm-gateway ${c.usage}\n`);
    });
  }

  it('options are listed with their value, default and description', async () => {
    const { out } = await cli('modbus', 'probe', '--help');
    expect(out).toMatch(/^ {6}--serial PATH\s+Modbus RTU serial port/m);
    expect(out).toMatch(/^ {6}--baud BAUD\s+RTU baud rate \(default: 9600\)$/m);
    expect(out).toMatch(/^ {6}--json\s+print registers and decodings as JSON$/m);
    const rules = await cli('rules', 'check', '-h');
    expect(rules.out).toMatch(/^ {2}-r, --rules FILE\|DIR \.\.\.\s+rule file or folder/m);
    expect(rules.out).toMatch(/CBM_CONFIG names the configuration/);
  });

  it('--version prints the package version', async () => {
    expect(await cli('--version')).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  it('no arguments, --help and help print every command, exit 0', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const r = await cli(...argv);
      expect(r.code).toBe(0);
      for (const c of commands) expect(r.out).toMatch(new RegExp(`^  ${c.words.join(' ')} +${c.summary.slice(0, 20).replace(/[()|.*+?]/g, '\\$&')}`, 'm'));
    }
  });

  it('help <command> prints that command\'s help', async () => {
    const r = await cli('help', 'outbox', 'retry');
    expect(r.code).toBe(0);
    expect(r.out.startsWith('Usage: cbm-gateway outbox retry --config FILE ID...\n')).toBe(true);
  });

  it('a command group alone lists its commands; an unknown one in it is named with the group usage, exit 2', async () => {
    const group = await cli('opcua');
    expect(group.code).toBe(0);
    expect(group.out).toMatch(/^ {2}opcua browse {2}list an OPC UA address space/m);
    expect(group.out).toMatch(/^ {2}opcua trust /m);
    const bad = await cli('opcua', 'frob');
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toMatch(/^unknown command "opcua frob"\n\nUsage: cbm-gateway opcua <command>/);
    expect(bad.err).not.toContain('outbox list');
  });

  it('an unknown command or top-level option is named with the general usage, exit 2', async () => {
    const cmd = await cli('frobnicate', '--x');
    expect(cmd).toMatchObject({ code: 2, out: '' });
    expect(cmd.err).toMatch(/^unknown command "frobnicate"\n\nUsage: cbm-gateway <command>/);
    const opt = await cli('--frob');
    expect(opt).toMatchObject({ code: 2, out: '' });
    expect(opt.err).toMatch(/^unknown option --frob\n\nUsage: cbm-gateway <command>/);
  });

  it('other usage errors (a stray argument, a missing value or option) exit 2 with the usage', async () => {
    const stray = await cli('validate', 'site.yaml');
    expect(stray.code).toBe(2);
    expect(stray.err).toMatch(/Unexpected argument 'site\.yaml'(.*\n)+Usage: cbm-gateway validate --config FILE/);
    const missing = await cli('modbus', 'probe', '--address');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--address <value>' argument missing/);
    // After `--` a "--help" is an argument, not a request for help: here, an order id.
    const env = process.env.CBM_CONFIG;
    delete process.env.CBM_CONFIG;
    try {
      const after = await cli('outbox', 'retry', '--', '--help');
      expect(after.code).toBe(2);
      expect(after.err).toMatch(/^outbox retry needs --config FILE/);
    } finally {
      if (env !== undefined) process.env.CBM_CONFIG = env;
    }
  });
});
