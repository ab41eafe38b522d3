import type { ErrorCode } from '../../core/errors.js';
import { errorMessage } from '../../core/errors.js';
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
    return {
      code: 'CBM_ERR_OPCUA_CERT_UNTRUSTED',
      detail: `server certificate of ${cfg.endpoint} is not trusted${who}; check it, then run "cbm-gateway opcua trust --config FILE --source ${cfg.id}" or list its thumbprint under trustedServerCertificates`,
    };
  }
  if (/BadUserAccessDenied|BadIdentityToken|BadUserSignatureInvalid/i.test(msg)) {
    return { code: 'CBM_ERR_OPCUA_AUTH', detail: `${cfg.endpoint} refused the ${cfg.auth.type} identity: ${msg}` };
  }
  if (/cannot find endpoint|BadSecurityPolicyRejected|BadSecurityModeRejected/i.test(msg)) {
    return { code: 'CBM_ERR_OPCUA_SECURITY', detail: `${cfg.endpoint} offers no endpoint with ${cfg.securityMode}/${cfg.securityPolicy}: ${msg}` };
  }
  return { code: 'CBM_ERR_OPCUA_UNREACHABLE', detail: `${cfg.endpoint}: ${msg}` };
}
