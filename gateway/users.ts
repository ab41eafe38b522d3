import { z } from 'zod';
import { systemClock, type Clock } from '../src/core/clock.js';
import { CbmError } from '../src/core/errors.js';
import type { Db } from '../src/store/db.js';
import { AuditStore } from './audit.js';
import { ROLES, type Actor, type Role } from './access.js';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, passwordProblem, verifyPassword, type ScryptParams } from './passwords.js';

/** User and token names: what a person types and what the audit log shows. */
export const userName = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'expected 1 to 64 letters, digits, "_", ".", "@" or "-"');
export const role = z.enum(ROLES);

export interface UserInfo {
  user: string;
  role: Role;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

interface Row {
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

const info = (r: Row): UserInfo => ({ user: r.name, role: r.role, createdAt: r.created_at, updatedAt: r.updated_at, lastLoginAt: r.last_login_at });

/**
 * Local users in the gateway's SQLite store: a name, a role and a scrypt hash of the password.
 * At least one admin is kept once there is one (removing or demoting the last admin is refused),
 * so the gateway cannot lock its own administrators out.
 */
export class UserStore {
  /** Verified against when the user does not exist, so a login takes as long either way. */
  private dummy: Promise<string> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly params: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  get(name: string): UserInfo | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
    return r && info(r);
  }

  list(): UserInfo[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Row[]).map(info);
  }

  async add(name: string, r: Role, password: string): Promise<UserInfo> {
    const hash = await this.hash(name, password);
    const now = this.clock.now();
    const res = this.db.prepare('INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING').run(name, r, hash, now, now);
    if (res.changes === 0) throw new CbmError('CBM_ERR_ALREADY_EXISTS', `user "${name}" exists already`);
    return this.get(name)!;
  }

  /** Changes a role and/or a password; a new password ends the user's sessions. */
  async update(name: string, change: { role?: Role; password?: string }): Promise<UserInfo> {
    const before = this.require(name);
    if (change.role !== undefined && change.role !== 'admin' && before.role === 'admin') this.keepAnAdmin(name, 'demote');
    const hash = change.password === undefined ? undefined : await this.hash(name, change.password);
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET role = coalesce(?, role), password_hash = coalesce(?, password_hash), updated_at = ? WHERE name = ?').run(change.role ?? null, hash ?? null, this.clock.now(), name);
      if (hash !== undefined) this.db.prepare('DELETE FROM sessions WHERE user_name = ?').run(name);
    })();
    return this.get(name)!;
  }

  /** Removes a user and their sessions (ON DELETE CASCADE); the last admin stays. */
  remove(name: string): UserInfo {
    const before = this.require(name);
    if (before.role === 'admin') this.keepAnAdmin(name, 'remove');
    this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
    return before;
  }

  /** The user's actor when the password is right, else undefined (same time either way). */
  async authenticate(name: string, password: string): Promise<Actor | undefined> {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
    if (!r) {
      await verifyPassword(password, await (this.dummy ??= hashPassword('not a password of anyone', this.params)));
      return undefined;
    }
    if (!(await verifyPassword(password, r.password_hash))) return undefined;
    const rehash = needsRehash(r.password_hash, this.params) ? await hashPassword(password, this.params) : undefined;
    this.db.prepare('UPDATE users SET last_login_at = ?, password_hash = coalesce(?, password_hash) WHERE name = ?').run(this.clock.now(), rehash ?? null, name);
    return { name: r.name, role: r.role };
  }

  private require(name: string): UserInfo {
    const u = this.get(name);
    if (!u) throw new CbmError('CBM_ERR_NOT_FOUND', `no user "${name}"`);
    return u;
  }

  private keepAnAdmin(name: string, what: 'remove' | 'demote'): void {
    const admins = (this.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND name <> ?").get(name) as { n: number }).n;
    if (admins === 0) throw new CbmError('CBM_ERR_STATE_CONFLICT', `"${name}" is the last admin; add another admin before you ${what} this one`);
  }

  private async hash(name: string, password: string): Promise<string> {
    const n = userName.safeParse(name);
    const bad = n.success ? passwordProblem(password) : `user name "${name}": ${n.error.issues[0]?.message}`;
    if (bad) throw new CbmError('CBM_ERR_BAD_REQUEST', bad);
    return hashPassword(password, this.params);
  }
}

/** A user the demo (or a test) wants to exist, with the password to set when it does not. */
export interface UserSeed {
  user: string;
  role: Role;
  password: string;
}

/**
 * Makes sure each user exists in the gateway's store: adds the missing ones with their role and
 * password (audited as done by `by`), and leaves existing users and their passwords alone.
 * Returns the names it added. For the demo, which makes one user per role, and for tests:
 *
 *     const db = openStore(join(dataDir, 'gateway.db'));
 *     await ensureUsers(db, [{ user: 'admin', role: 'admin', password: '…' }]);
 *     db.close();
 */
export async function ensureUsers(db: Db, seeds: readonly UserSeed[], o: { clock?: Clock; by?: string; params?: ScryptParams } = {}): Promise<string[]> {
  const clock = o.clock ?? systemClock;
  const users = new UserStore(db, clock, o.params);
  const audit = new AuditStore(db, clock);
  const added: string[] = [];
  for (const s of seeds) {
    if (users.get(s.user)) continue;
    const u = await users.add(s.user, s.role, s.password);
    audit.record({ actor: o.by ?? 'setup', action: 'user.add', target: `user:${u.user}`, after: { role: u.role } });
    added.push(s.user);
  }
  return added;
}
