import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';
import { CbmError } from '../../core/errors.js';

/** What an engineer compares against the server's own display before trusting it. */
export interface CertificateInfo {
  /** SHA-1 of the DER bytes, lower-case hex: the "thumbprint" UaExpert, Kepware and Windows show. */
  thumbprint: string;
  subject: string;
  issuer: string;
  validTo: string;
  applicationUri: string | undefined;
}

/** The first certificate of a DER chain (servers may send leaf + issuers concatenated, Part 6 §6.2.3). */
export function leafCertificate(der: Buffer): Buffer {
  if (der.length < 2 || der[0] !== 0x30) return der;
  const b = der[1]!;
  if (b < 0x80) return der.subarray(0, 2 + b);
  const n = b & 0x7f;
  return der.subarray(0, 2 + n + der.readUIntBE(2, n));
}

export function certificateInfo(chain: Buffer): CertificateInfo {
  const der = leafCertificate(chain);
  const x = new X509Certificate(der);
  const uri = /URI:([^,\s]+)/.exec(x.subjectAltName ?? '')?.[1];
  return {
    thumbprint: createHash('sha1').update(der).digest('hex'),
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    validTo: x.validTo,
    applicationUri: uri,
  };
}

/** Normalises `AB:CD:…`, `ab cd …` or `abcd…` to lower-case hex without separators. */
export function normaliseThumbprint(s: string): string | undefined {
  const h = s.replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{40}$/.test(h) ? h : undefined;
}

/** Every block of one PEM type (`CERTIFICATE`, `X509 CRL`) in a file, as DER; a file with none is DER itself. */
function readPemBlocks(file: string, type: string): Buffer[] {
  const raw = readFileSync(file);
  const re = new RegExp(`-----BEGIN ${type}-----([\\s\\S]+?)-----END ${type}-----`, 'g');
  const blocks = [...raw.toString('latin1').matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  return blocks.length > 0 || raw.toString('latin1').includes('-----BEGIN') ? blocks : [raw];
}

/** A PEM or DER certificate file as DER (the first certificate of a PEM chain). */
export function readCertificateFile(file: string): Buffer {
  const raw = readFileSync(file);
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(raw.toString('latin1'));
  return pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : raw;
}

export { pkiRoot } from './paths.js';

const managers = new Map<string, OPCUACertificateManager>();

/**
 * The client's PKI store (`own/`, `trusted/`, `rejected/`, `issuers/` under the data dir),
 * created on first use together with the client's self-signed application certificate.
 * Unknown server certificates are never accepted automatically: they land in `rejected/` for an
 * engineer to inspect and trust explicitly. One manager per folder per process, since two
 * managers on one folder race on its lock.
 */
export async function openPki(root: string): Promise<OPCUACertificateManager> {
  let cm = managers.get(root);
  if (!cm) {
    mkdirSync(root, { recursive: true });
    cm = new OPCUACertificateManager({ rootFolder: root, automaticallyAcceptUnknownCertificate: false, name: 'cbm-gateway' });
    managers.set(root, cm);
  }
  await cm.initialize();
  return cm;
}

/** Certificates in `rejected/` (DER), where node-opcua puts every server certificate it refused. */
export function rejectedCertificates(root: string): { file: string; der: Buffer }[] {
  const dir = join(root, 'rejected');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(pem|der|crt)$/i.test(f))
    .map((f) => ({ file: join(dir, f), der: readCertificateFile(join(dir, f)) }));
}

/**
 * Applies `trustedServerCertificates`: a file is trusted as is; a thumbprint trusts the matching
 * certificate among `candidates` (the one the server presents) or `rejected/`. Returns the
 * thumbprints that matched nothing yet, so the source can say so.
 */
export async function applyTrustList(cm: OPCUACertificateManager, root: string, entries: readonly string[], baseDir: string, candidates: Buffer[] = []): Promise<string[]> {
  const unmatched: string[] = [];
  for (const e of entries) {
    const tp = normaliseThumbprint(e);
    if (tp === undefined) {
      await cm.trustCertificate(readCertificateFile(isAbsolute(e) ? e : resolve(baseDir, e)));
      continue;
    }
    const pool = [...candidates, ...rejectedCertificates(root).map((r) => r.der)];
    const hit = pool.find((der) => certificateInfo(der).thumbprint === tp);
    if (hit) await cm.trustCertificate(hit);
    else unmatched.push(tp);
  }
  return unmatched;
}

/**
 * Applies `trustedCaCertificates` (added as issuers and trusted: what they sign is accepted),
 * `issuerCertificates` (issuers only: they complete a chain) and `revocationLists` to the PKI
 * (node-opcua keeps them under `issuers/` and `trusted/`). A file that cannot be read or holds
 * nothing of its kind is an error naming it.
 */
export async function applyIssuers(cm: OPCUACertificateManager, cfg: { trustedCaCertificates: readonly string[]; issuerCertificates: readonly string[]; revocationLists: readonly string[] }, baseDir: string): Promise<void> {
  const blocks = (f: string, type: string, what: string): Buffer[] => {
    const file = isAbsolute(f) ? f : resolve(baseDir, f);
    let found: Buffer[];
    try {
      found = readPemBlocks(file, type);
    } catch (e) {
      throw new CbmError('CBM_ERR_OPCUA_CERT_UNTRUSTED', `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (found.length === 0) throw new CbmError('CBM_ERR_OPCUA_CERT_UNTRUSTED', `${file} holds no ${what} (expected PEM "-----BEGIN ${type}-----" or DER)`);
    return found;
  };
  for (const f of cfg.trustedCaCertificates) for (const der of blocks(f, 'CERTIFICATE', 'CA certificate')) await cm.addIssuer(der, false, true);
  for (const f of cfg.issuerCertificates) for (const der of blocks(f, 'CERTIFICATE', 'issuer certificate')) await cm.addIssuer(der, false, false);
  for (const f of cfg.revocationLists) {
    for (const der of blocks(f, 'X509 CRL', 'revocation list')) {
      const status = await cm.addRevocationList(der, 'issuers');
      if (String(status) !== 'Good') throw new CbmError('CBM_ERR_OPCUA_CERT_UNTRUSTED', `revocation list ${f} was not accepted (${String(status)}): is it a CRL (DER or PEM "X509 CRL")?`);
    }
  }
}
