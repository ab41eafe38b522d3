import { createHash } from 'node:crypto';
import type { Clock } from '../src/core/clock.js';
import type { Db } from '../src/store/db.js';
import type { Actor, Role } from './access.js';
import { newSecret, secretHash } from './passwords.js';
import { touch } from './tokens.js';

export interface SessionLimits {
  /** A session unused this long ends (ms). */
  idle: number;
  /** A session ends this long after login whatever its use (ms). */
  maxAge: number;
}

/** The session's user as the store has them now: a role change applies at the next request. */
export interface Session extends Actor {
  expiresAt: number;
}

/** `last_seen_at` (and so the idle deadline) moves at most this often per session. */
const TOUCH_EVERY = 60_000;

/**
 * Login sessions for the page: a random 256-bit id in an HttpOnly cookie; the store keeps its
 * SHA-256, the user, and when it ends (idle or absolute limit, whichever comes first, as set
 * when it started). Removing a
 * user or changing their password ends their sessions.
 */
export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Starts a session with its limits; returns its id (for the cookie) and the CSRF token the page sends back. */
  create(user: string, limits: SessionLimits): { id: string; csrf: string; expiresAt: number } {
    const now = this.clock.now();
    const id = newSecret();
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at + idle_ms <= ?').run(now, now);
    this.db
      .prepare('INSERT INTO sessions (hash, user_name, created_at, expires_at, last_seen_at, idle_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(secretHash(id), user, now, now + limits.maxAge, now, limits.idle);
    return { id, csrf: csrfToken(id), expiresAt: now + limits.maxAge };
  }

  /** The live session with this id, else undefined. Moves its idle deadline on. */
  get(id: string): Session | undefined {
    const now = this.clock.now();
    const r = this.db
      .prepare('SELECT s.hash, s.expires_at, s.last_seen_at, s.idle_ms, u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.hash = ?')
      .get(secretHash(id)) as { hash: string; expires_at: number; last_seen_at: number; idle_ms: number; name: string; role: Role } | undefined;
    if (!r || r.expires_at <= now || now - r.last_seen_at >= r.idle_ms) return undefined;
    if (now - r.last_seen_at >= TOUCH_EVERY) touch(() => this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE hash = ?').run(now, r.hash));
    return { name: r.name, role: r.role, expiresAt: r.expires_at };
  }

  /** Ends a session (logout). */
  end(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(secretHash(id));
  }
}

/**
 * The session's CSRF token: derived from its id, which only the browser's HttpOnly cookie and
 * the server know, so nothing more is stored and the page can ask for it again (`GET /api/me`)
 * after a reload. A page on another origin can read neither.
 */
export function csrfToken(sessionId: string): string {
  return createHash('sha256').update(`cbm-csrf\u0000${sessionId}`).digest('base64url');
}
