import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { SCRYPT_HASH } from '../../config/sources/mqtt-broker.js';

/**
 * Broker passwords at rest: scrypt (RFC 7914) hashes in the PHC string form
 * `$scrypt$N=16384,r=8,p=1$<salt, base64>$<hash, base64>`, made by {@link hashPassword} or the
 * one-liner in docs/mqtt.md. Node's own scrypt, no native dependency.
 */

/** Cost parameters for new hashes: 16 MiB and ~50 ms per check on a small edge box (OWASP's minimum for scrypt is N=2^17 with r=8 for login pages; a broker sees far fewer attempts per client and must take reconnect storms). */
const DEFAULT = { N: 16384, r: 8, p: 1 };

function scrypt(password: string, salt: Buffer, len: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, len, { ...o, maxmem: 256 * (o.N ?? 16384) * (o.r ?? 8) }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, cost = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, cost);
  return `$scrypt$N=${cost.N},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches `stored` (a hash as {@link hashPassword} makes it); compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = SCRYPT_HASH.exec(stored);
  if (!m) return false;
  const [, n, r, p, salt, hash] = m;
  const want = Buffer.from(hash!, 'base64');
  const got = await scrypt(password, Buffer.from(salt!, 'base64'), want.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(got, want);
}
