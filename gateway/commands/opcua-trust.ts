import { createInterface } from 'node:readline/promises';
import { CbmError } from '../../src/core/errors.js';
import { loadRuntime } from '../../src/sources/opcua/load.js';
import { defineCommand, UsageError } from './command.js';
import { endpointArgs, endpointNote, endpointOptions } from './opcua-endpoint.js';

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * Trust On First Use, but only with a person in the loop: fetch the certificate the server
 * presents, show what an engineer compares against the server's own display (subject, SHA-1
 * thumbprint, validity, application URI), and copy it into the PKI's `trusted/` folder only on an
 * explicit yes, or when `--thumbprint` names exactly this certificate (for scripts).
 */
export const opcuaTrustCommand = defineCommand({
  words: ['opcua', 'trust'],
  usage: 'opcua trust --config FILE [--source ID] [--thumbprint HEX] | opcua trust <endpoint> --pki DIR',
  summary: "show an OPC UA server's certificate and trust it explicitly (asks, or checks --thumbprint)",
  options: { ...endpointOptions, thumbprint: { type: 'string', value: 'HEX', description: "trust without asking, if the server presents exactly this SHA-1 thumbprint (for scripts)" } },
  positionals: true,
  notes: ['Arguments: <endpoint> opc.tcp://host:port, when not taken from --config.', endpointNote],
  async run({ values, positionals }) {
    const { cfg, pki } = endpointArgs(values, positionals[0]);
    const secured = cfg.securityMode === 'None' ? { ...cfg, securityMode: 'SignAndEncrypt' as const, securityPolicy: 'Basic256Sha256' as const } : cfg;
    const { certificateInfo, fetchServerCertificate, normaliseThumbprint, openPki } = await loadRuntime();
    const cm = await openPki(pki);
    let der: Buffer | undefined;
    try {
      der = await fetchServerCertificate(cfg.endpoint, secured, cm);
    } catch (e) {
      throw new CbmError('CBM_ERR_OPCUA_UNREACHABLE', `${cfg.endpoint}: ${(e as Error).message}`, { cause: e });
    }
    if (!der) throw new CbmError('CBM_ERR_OPCUA_SECURITY', `${cfg.endpoint} presents no certificate`);
    const info = certificateInfo(der);
    process.stdout.write(
      `server ${cfg.endpoint}\n  subject         ${info.subject}\n  issuer          ${info.issuer}\n  application URI ${info.applicationUri ?? '-'}\n  valid until     ${info.validTo}\n  SHA-1 thumbprint ${info.thumbprint}\n`,
    );
    const status = await cm.getTrustStatus(der);
    if (status.isGood()) {
      process.stdout.write(`already trusted in ${pki}\n`);
      return 0;
    }
    let ok: boolean;
    if (values.thumbprint !== undefined) {
      const want = normaliseThumbprint(values.thumbprint);
      if (!want) throw new UsageError('--thumbprint expects 40 hex digits (SHA-1)');
      if (want !== info.thumbprint) throw new CbmError('CBM_ERR_OPCUA_CERT_UNTRUSTED', `the server presents thumbprint ${info.thumbprint}, not ${want}: not trusted`);
      ok = true;
    } else {
      ok = await confirm('Compare the thumbprint with the server. Trust this certificate? [y/N] ');
      if (!ok && !process.stdin.isTTY) process.stderr.write('not a terminal: pass --thumbprint HEX to trust non-interactively\n');
    }
    if (!ok) {
      process.stdout.write('not trusted\n');
      return 1;
    }
    await cm.trustCertificate(der);
    process.stdout.write(`trusted: copied to ${pki}/trusted/certs; the gateway picks it up on its next connection attempt\n`);
    return 0;
  },
});
