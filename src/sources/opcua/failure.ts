import type { ErrorCode } from '../../core/errors.js';
import { errorMessage, isCbmError } from '../../core/errors.js';
import type { OpcuaSourceConfig } from '../../config/sources/opcua.js';
import { fetchServerCertificate } from './client.js';
import { pkiRoot } from './paths.js';
import { certificateInfo, openPki } from './pki.js';

export interface Failure {
  code: ErrorCode;
  detail: string;
}

/**
 * Turns a node-opcua connect/session error into one of our codes and a sentence an engineer can
 * act on. node-opcua reports these as plain Errors whose message carries the StatusCode name.
 */
export async function describeFailure(e: unknown, cfg: OpcuaSourceConfig, dataDir: string): Promise<Failure> {
  // Our own (a CA file that cannot be read): already said the way it should be.
  if (isCbmError(e)) return { code: e.code, detail: e.message };
  const msg = errorMessage(e);
  if (/BadCertificate|certificate verification failed/i.test(msg)) {
    let who = '';
    try {
      const cm = await openPki(pkiRoot(dataDir, cfg.pkiDir));
      const der = await fetchServerCertificate(cfg.endpoint, cfg, cm);
      if (der) {
        const info = certificateInfo(der);
        who = ` (${info.subject}, SHA-1 thumbprint ${info.thumbprint})`;
      }
    } catch {
      // The explanation stays useful without the thumbprint.
    }
    return { code: 'CBM_ERR_OPCUA_CERT_UNTRUSTED', detail: certificateProblem(msg, cfg, who) };
  }
  if (/BadUserAccessDenied|BadIdentityToken|BadUserSignatureInvalid/i.test(msg)) {
    return { code: 'CBM_ERR_OPCUA_AUTH', detail: `${cfg.endpoint} refused the ${cfg.auth.type} identity: ${msg}` };
  }
  if (/cannot find endpoint|BadSecurityPolicyRejected|BadSecurityModeRejected/i.test(msg)) {
    return { code: 'CBM_ERR_OPCUA_SECURITY', detail: `${cfg.endpoint} offers no endpoint with ${cfg.securityMode}/${cfg.securityPolicy}: ${msg}` };
  }
  return { code: 'CBM_ERR_OPCUA_UNREACHABLE', detail: `${cfg.endpoint}: ${msg}` };
}

/** What is wrong with the server's certificate, by the status node-opcua verified it with (Part 4 §7.39). */
function certificateProblem(msg: string, cfg: OpcuaSourceConfig, who: string): string {
  const cert = `server certificate of ${cfg.endpoint}${who}`;
  if (/BadCertificateRevoked/.test(msg)) return `${cert} is revoked by its CA (the CA's revocation list names it): the server needs a new certificate`;
  if (/RevocationUnknown/.test(msg)) return `${cert} is signed by a CA whose revocation list the gateway does not have: add the CA's CRL file under revocationLists`;
  if (/BadCertificateChainIncomplete/.test(msg)) return `${cert} comes without the CA certificates that signed it: add them under trustedCaCertificates (the root) or issuerCertificates (intermediates)`;
  if (/BadCertificate(Issuer)?TimeInvalid/.test(msg)) return `${cert} (or its CA's) is expired or not valid yet: check the server's certificate and the gateway's clock`;
  return `${cert} is not trusted; check it, then run "cbm-gateway opcua trust --config FILE --source ${cfg.id}", list its thumbprint under trustedServerCertificates, or trust the CA that signed it (trustedCaCertificates)`;
}
