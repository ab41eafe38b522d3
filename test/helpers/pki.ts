import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A private certificate authority made with openssl for tests: it issues OPC UA application
 * certificates (subjectAltName URI, IP and DNS; the key usages Part 6 §6.2.2 asks for) and
 * publishes a revocation list. Everything lives in `dir`.
 */
export interface TestCa {
  dir: string;
  /** PEM of the CA certificate. */
  caFile: string;
  /** Issues a certificate and its key (PEM files) for an application URI; `name` names the files. */
  issue(name: string, applicationUri: string): { certFile: string; keyFile: string };
  /** Revokes what `issue(name)` made. */
  revoke(name: string): void;
  /** Writes the current revocation list (PEM) and returns its path. */
  crl(): string;
}

const CA_CONF = `[ ca ]
default_ca = cbm_ca
[ cbm_ca ]
dir = .
database = index.txt
new_certs_dir = issued
certificate = ca.crt
private_key = ca.key
serial = serial
crlnumber = crlnumber
default_md = sha256
default_days = 2
default_crl_days = 2
policy = any_name
copy_extensions = none
unique_subject = no
[ any_name ]
commonName = supplied
[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ crl_ext ]
authorityKeyIdentifier = keyid:always
`;

export function makeTestCa(dir: string): TestCa {
  mkdirSync(join(dir, 'issued'), { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'ca.cnf'), CA_CONF);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  ssl('req', '-x509', '-config', 'ca.cnf', '-extensions', 'v3_ca', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cbm-test-ca/O=cbm-gateway tests');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    issue(name, applicationUri) {
      const ext = `[ app ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = URI:${applicationUri}, IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
`;
      writeFileSync(join(dir, `${name}.ext`), ext);
      ssl('req', '-config', 'ca.cnf', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}/O=cbm-gateway tests`);
      ssl('ca', '-batch', '-config', 'ca.cnf', '-extfile', `${name}.ext`, '-extensions', 'app', '-in', `${name}.csr`, '-out', `${name}.crt`, '-notext');
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    },
    revoke(name) {
      ssl('ca', '-batch', '-config', 'ca.cnf', '-revoke', `${name}.crt`);
    },
    crl() {
      ssl('ca', '-batch', '-config', 'ca.cnf', '-gencrl', '-crlexts', 'crl_ext', '-out', 'ca.crl');
      return join(dir, 'ca.crl');
    },
  };
}

/**
 * Gives a node-opcua server PKI folder the application certificate (its chain: leaf then CA) and
 * key the CA issued, where the server's certificate manager looks for its own (`own/`).
 */
export function installServerCertificate(pkiDir: string, ca: TestCa, cert: { certFile: string; keyFile: string }): void {
  mkdirSync(join(pkiDir, 'own', 'certs'), { recursive: true });
  mkdirSync(join(pkiDir, 'own', 'private'), { recursive: true });
  writeFileSync(join(pkiDir, 'own', 'certs', 'certificate.pem'), readFileSync(cert.certFile, 'utf8') + readFileSync(ca.caFile, 'utf8'));
  writeFileSync(join(pkiDir, 'own', 'private', 'private_key.pem'), readFileSync(cert.keyFile));
}
