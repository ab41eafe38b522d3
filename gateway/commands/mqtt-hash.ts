import { readFileSync } from 'node:fs';
import { hashPassword } from '../../src/sources/mqtt/passwords.js';
import { defineCommand, UsageError } from './command.js';

/** The password from `--password-file`, `CBM_PASSWORD`, or standard input (never an argument: shell histories keep those). */
function readPassword(file: string | undefined): string {
  const raw = file ? readFileSync(file, 'utf8') : process.env.CBM_PASSWORD ?? (process.stdin.isTTY ? '' : readFileSync(0, 'utf8'));
  const pw = raw.replace(/\r?\n$/, '');
  if (!pw) throw new UsageError('mqtt hash-password needs a password: pipe it in, or give --password-file FILE or CBM_PASSWORD');
  return pw;
}

export const mqttHashCommand = defineCommand({
  words: ['mqtt', 'hash-password'],
  usage: 'mqtt hash-password [--password-file FILE]',
  summary: "print the scrypt hash of an embedded-broker user's password, for `passwordHash` (docs/mqtt.md)",
  options: { 'password-file': { type: 'string', value: 'FILE', description: 'read the password from the first line of FILE (else CBM_PASSWORD, else standard input)' } },
  notes: ['Example: printf %s "$PW" | cbm-gateway mqtt hash-password > /run/secrets/p-101.hash'],
  async run({ values }) {
    process.stdout.write(`${await hashPassword(readPassword(values['password-file']))}\n`);
    return 0;
  },
});
