import { userInfo } from 'node:os';
import { parseDuration } from '../../src/config/duration.js';
import { loadConfig, resolveFrom } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/db.js';
import { ROLES, type Role } from '../access.js';
import { AuditStore } from '../audit.js';
import { TokenStore } from '../tokens.js';
import { UserStore } from '../users.js';
import { defineCommand, UsageError, type Command, type OptionSpec } from './command.js';
import { configNote, configOption, jsonOption } from './options.js';
import { reportError } from './report.js';
import { readNewPassword } from './secret-input.js';

/** The stores a users or tokens command works on, opened from the site config's data folder. */
interface Access {
  users: UserStore;
  tokens: TokenStore;
  audit: AuditStore;
  /** Who the audit log names: the operating-system user at the shell. */
  actor: string;
}

/**
 * Opens the gateway's store (made, with its folder, if the gateway has not run yet, so the first
 * admin can be added before the first start). Safe beside a running gateway: WAL and busy_timeout.
 */
async function withAccess<T>(file: string | undefined, fn: (a: Access) => T | Promise<T>): Promise<T> {
  const config = file ?? process.env.CBM_CONFIG;
  if (!config) throw new UsageError('needs --config FILE (or $CBM_CONFIG)');
  const loaded = loadConfig(config);
  const db = openStore(resolveFrom(resolveFrom(loaded.baseDir, loaded.config.gateway.dataDir), 'gateway.db'));
  try {
    return await fn({ users: new UserStore(db, systemClock), tokens: new TokenStore(db, systemClock), audit: new AuditStore(db, systemClock), actor: `cli:${userInfo().username}` });
  } finally {
    db.close();
  }
}

function role(v: string | undefined): Role {
  if (v === undefined) throw new UsageError(`needs --role ${ROLES.join('|')}`);
  if (!(ROLES as readonly string[]).includes(v)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return v as Role;
}

function need(v: string | undefined, option: string): string {
  if (v === undefined || v === '') throw new UsageError(`needs --${option}`);
  return v;
}

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

/** Runs a command body: usage errors go up (exit 2), anything else is reported (exit 1). */
async function run(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    reportError(e);
    return 1;
  }
}

const userOption = { type: 'string', short: 'u', value: 'NAME', description: 'the user name (letters, digits, "_", ".", "@", "-")' } as const satisfies OptionSpec;
const roleOption = { type: 'string', short: 'r', value: 'ROLE', description: `${ROLES.join(' | ')} (docs/security.md: roles)` } as const satisfies OptionSpec;
const passwordFileOption = { type: 'string', value: 'FILE', description: 'read the password from the first line of FILE' } as const satisfies OptionSpec;
const passwordNote = 'Password: --password-file, else $CBM_PASSWORD, else a prompt (or standard input when it is not a terminal). Never an argument.';

const addCommand = defineCommand({
  words: ['users', 'add'],
  usage: 'users add --config FILE --user NAME --role ROLE [--password-file FILE]',
  summary: 'add a user of the API and the page (the first one: --role admin)',
  options: { config: configOption, user: userOption, role: roleOption, 'password-file': passwordFileOption },
  notes: [passwordNote, configNote],
  async run({ values }) {
    const name = need(values.user, 'user');
    const r = role(values.role);
    return run(() =>
      withAccess(values.config, async (a) => {
        const u = await a.users.add(name, r, await readNewPassword(values['password-file']));
        a.audit.record({ actor: a.actor, action: 'user.add', target: `user:${u.user}`, after: { role: u.role } });
        process.stdout.write(`added ${u.user} (${u.role})\n`);
        return 0;
      }),
    );
  },
});

const passwdCommand = defineCommand({
  words: ['users', 'passwd'],
  usage: 'users passwd --config FILE --user NAME [--password-file FILE]',
  summary: "set a user's password (ends their login sessions)",
  options: { config: configOption, user: userOption, 'password-file': passwordFileOption },
  notes: [passwordNote, configNote],
  async run({ values }) {
    const name = need(values.user, 'user');
    return run(() =>
      withAccess(values.config, async (a) => {
        await a.users.update(name, { password: await readNewPassword(values['password-file']) });
        a.audit.record({ actor: a.actor, action: 'user.password', target: `user:${name}` });
        process.stdout.write(`password of ${name} set\n`);
        return 0;
      }),
    );
  },
});

/** `users list` and `tokens list`: a line per item, or JSON. */
function listCommand<T>(noun: 'users' | 'tokens', summary: string, rows: (a: Access) => T[], line: (x: T) => string): Command {
  return defineCommand({
    words: [noun, 'list'],
    usage: `${noun} list --config FILE [--json]`,
    summary,
    options: { config: configOption, json: jsonOption },
    notes: [configNote],
    async run({ values }) {
      return run(() =>
        withAccess(values.config, (a) => {
          const items = rows(a);
          process.stdout.write(values.json ? `${JSON.stringify(items, null, 2)}\n` : `${items.map((x) => `${line(x)}\n`).join('')}${items.length} ${noun.slice(0, -1)}(s)\n`);
          return 0;
        }),
      );
    },
  });
}

const removeCommand = defineCommand({
  words: ['users', 'remove'],
  usage: 'users remove --config FILE --user NAME',
  summary: 'remove a user and end their sessions (the last admin stays)',
  options: { config: configOption, user: userOption },
  notes: [configNote],
  async run({ values }) {
    const name = need(values.user, 'user');
    return run(() =>
      withAccess(values.config, (a) => {
        const u = a.users.remove(name);
        a.audit.record({ actor: a.actor, action: 'user.remove', target: `user:${u.user}`, before: { role: u.role } });
        process.stdout.write(`removed ${u.user}\n`);
        return 0;
      }),
    );
  },
});

const tokenCreateCommand = defineCommand({
  words: ['tokens', 'create'],
  usage: 'tokens create --config FILE --name NAME --role ROLE [--expires DURATION]',
  summary: 'make an API token for a machine (Prometheus, a CMMS, a script); printed once',
  options: {
    config: configOption,
    name: { type: 'string', short: 'n', value: 'NAME', description: 'what it is for, unique among live tokens (e.g. prometheus)' },
    role: roleOption,
    expires: { type: 'string', value: 'DURATION', description: 'expires after this long, e.g. 90d (default: never)' },
  },
  notes: ['Send it as "Authorization: Bearer <token>". The gateway keeps only its SHA-256: store it now.', configNote],
  async run({ values }) {
    const name = need(values.name, 'name');
    const r = role(values.role);
    const ms = values.expires === undefined ? undefined : parseDuration(values.expires);
    if (ms === 0 || (values.expires !== undefined && ms === undefined)) throw new UsageError('--expires takes a duration such as 30d or 12h');
    return run(() =>
      withAccess(values.config, (a) => {
        const t = a.tokens.create({ name, role: r, createdBy: a.actor, ...(ms === undefined ? {} : { expiresAt: Date.now() + ms }) });
        a.audit.record({ actor: a.actor, action: 'token.create', target: `token:${t.name}`, after: { id: t.id, role: t.role, expiresAt: t.expiresAt === null ? null : iso(t.expiresAt) } });
        process.stderr.write(`token ${t.name} (id ${t.id}, ${t.role}${t.expiresAt === null ? '' : `, expires ${iso(t.expiresAt)}`}); shown this once:\n`);
        process.stdout.write(`${t.token}\n`);
        return 0;
      }),
    );
  },
});

const tokenRevokeCommand = defineCommand({
  words: ['tokens', 'revoke'],
  usage: 'tokens revoke --config FILE ID|NAME...',
  summary: 'revoke API tokens by id or name; they stop working at once',
  options: { config: configOption },
  positionals: true,
  notes: [configNote],
  async run({ values, positionals }) {
    if (positionals.length === 0) throw new UsageError('tokens revoke needs at least one token id or name');
    return run(() =>
      withAccess(values.config, (a) => {
        let bad = 0;
        for (const ref of positionals) {
          const t = a.tokens.revoke(ref);
          if (!t) {
            bad++;
            process.stderr.write(`${ref}: no live token with that id or name\n`);
            continue;
          }
          a.audit.record({ actor: a.actor, action: 'token.revoke', target: `token:${t.name}`, before: { id: t.id, role: t.role } });
          process.stdout.write(`revoked ${t.name} (${t.id})\n`);
        }
        return bad === 0 ? 0 : 1;
      }),
    );
  },
});

/** `cbm-gateway users add|passwd|list|remove` and `tokens create|list|revoke`. */
export const accessCommands: Command[] = [
  addCommand,
  passwdCommand,
  listCommand('users', 'list users with their role and last login', (a) => a.users.list(), (u) => `${u.user}  ${u.role}  created=${iso(u.createdAt)}  last login=${iso(u.lastLoginAt)}`),
  removeCommand,
  tokenCreateCommand,
  listCommand('tokens', 'list live API tokens (never their secrets)', (a) => a.tokens.list(), (t) => `${t.id}  ${t.name}  ${t.role}  by=${t.createdBy}  created=${iso(t.createdAt)}  expires=${iso(t.expiresAt)}  last used=${iso(t.lastUsedAt)}`),
  tokenRevokeCommand,
];
