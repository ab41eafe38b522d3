import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto, RFC 7914). The stored string carries its own salt
 * and cost parameters, `scrypt$N=32768,r=8,p=3$<salt>$<key>` (base64url), so the parameters can be
 * raised later: a password hashed with older ones is re-hashed at its next successful login.
 */
export interface ScryptParams {
  /** CPU/memory cost, a power of two; memory is 128 × N × r bytes. */
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's password storage cheat sheet lists N=2^17, r=8, p=1 (128 MiB) and equivalents that
 * trade memory for CPU; an edge box has little memory to spare, so we take its N=2^15, r=8, p=3
 * (32 MiB per hash). Measured here: ~0.25 s per 2^15 pass on a loaded 2-core machine.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };

const KEY_BYTES = 32;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFKC'), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params);
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!m) return undefined;
  return { params: { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const key = await scrypt(password, h.salt, h.params);
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/** True when `stored` was hashed with other parameters than `params` (re-hash at login). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const h = parse(stored);
  return !h || h.params.N !== params.N || h.params.r !== params.r || h.params.p !== params.p;
}

/** What a password must be: 8 to 1,024 characters (NIST SP 800-63B §5.1.1: length, no composition rules). */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8) return 'a password needs at least 8 characters';
  if (password.length > 1024) return 'a password has at most 1,024 characters';
  return undefined;
}

/** A random secret (session id, API token), 256 bits, base64url. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of a high-entropy secret, hex: how session ids and API tokens are stored. A fast hash is
 * enough for random 256-bit values (nothing to guess); passwords take scrypt.
 */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time string comparison. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
