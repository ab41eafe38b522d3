import { randomBytes } from 'node:crypto';
import type { Clock } from '../src/core/clock.js';
import { CbmError } from '../src/core/errors.js';
import type { Db } from '../src/store/db.js';
import type { Actor, Role } from './access.js';
import { newSecret, secretHash } from './passwords.js';
import { userName } from './users.js';

/** The prefix of every API token, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'cbm_';

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

interface Row {
  id: string;
  name: string;
  role: Role;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

const info = (r: Row): TokenInfo => ({ id: r.id, name: r.name, role: r.role, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at });

/** A best-effort write (when a token or session was last used): a store that cannot write must not refuse the request. */
export function touch(write: () => void): void {
  try {
    write();
  } catch {
    // The store reports its own health; the next use tries again.
  }
}

/** `last_used_at` is written at most this often per token, not on every request. */
const TOUCH_EVERY = 60_000;

/**
 * API tokens for machines (Prometheus, a CMMS, scripts): `Authorization: Bearer cbm_…`. A token is
 * 256 random bits shown once when it is made; the store keeps its SHA-256 only. Each has a role,
 * an optional expiry and a name unique among live tokens; revoked tokens stay listed in the audit
 * log, not here.
 */
export class TokenStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Makes a token; the answer's `token` is the only time the secret exists outside the caller. */
  create(o: { name: string; role: Role; createdBy: string; expiresAt?: number }): TokenInfo & { token: string } {
    const n = userName.safeParse(o.name);
    if (!n.success) throw new CbmError('CBM_ERR_BAD_REQUEST', `token name "${o.name}": ${n.error.issues[0]?.message}`);
    const token = `${TOKEN_PREFIX}${newSecret()}`;
    const id = randomBytes(6).toString('hex');
    const now = this.clock.now();
    try {
      this.db
        .prepare('INSERT INTO api_tokens (id, name, role, hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, o.name, o.role, secretHash(token), o.createdBy, now, o.expiresAt ?? null);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new CbmError('CBM_ERR_ALREADY_EXISTS', `a token named "${o.name}" exists already; revoke it first or pick another name`);
      throw e;
    }
    return { ...this.byId(id)!, token };
  }

  list(): TokenInfo[] {
    return (this.db.prepare('SELECT * FROM api_tokens WHERE revoked_at IS NULL ORDER BY name').all() as Row[]).map(info);
  }

  /** Revokes a live token by id or name; returns it, or undefined when there is none. */
  revoke(ref: string): TokenInfo | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE revoked_at IS NULL AND (id = ? OR name = ?)').get(ref, ref) as Row | undefined;
    if (!r) return undefined;
    this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(this.clock.now(), r.id);
    return info(r);
  }

  /** The actor of a live, unexpired token (`token:<name>`), else undefined. */
  actor(token: string): Actor | undefined {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE hash = ? AND revoked_at IS NULL').get(secretHash(token)) as Row | undefined;
    const now = this.clock.now();
    if (!r || (r.expires_at !== null && r.expires_at <= now)) return undefined;
    if (r.last_used_at === null || now - r.last_used_at >= TOUCH_EVERY) touch(() => this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, r.id));
    return { name: `token:${r.name}`, role: r.role };
  }

  private byId(id: string): TokenInfo | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return r && info(r);
  }
}
