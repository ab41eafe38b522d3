import { isAbsolute, resolve } from 'node:path';

/** The PKI folder for a source: `pkiDir` as given when absolute, else under the gateway's data dir. */
export function pkiRoot(dataDir: string, pkiDir: string): string {
  return isAbsolute(pkiDir) ? pkiDir : resolve(dataDir, pkiDir);
}
