import { readFileSync } from 'node:fs';
import { apiConfig } from '../src/config/api.js';
import { resolveFrom } from '../src/config/load.js';
import type { ApiConfig, SiteConfig } from '../src/config/schema.js';
import { CbmError, errorMessage } from '../src/core/errors.js';

/** How the API protects itself: the `api` section of the site config, with its files read. */
export interface ApiSettings {
  auth: ApiConfig['auth'];
  open: ApiConfig['open'];
  hosts: ApiConfig['hosts'];
  trustProxy: ApiConfig['trustProxy'];
  corsOrigins: readonly string[];
  bodyLimit: number;
  rateLimit: ApiConfig['rateLimit'];
  /** Session limits: the cookie's Max-Age follows `maxAge`. */
  sessions: ApiConfig['sessions'];
  /** HTTPS: PEM certificate and key (read from `api.tls`'s files). */
  tls: { cert: Buffer; key: Buffer } | undefined;
}

/** Reads a file the config names (a secret or a key): the error names the file and setting, never the contents. */
export function readConfigFile(baseDir: string, file: string, setting: string): Buffer {
  const path = resolveFrom(baseDir, file);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CbmError('CBM_ERR_CONFIG_READ', `${setting}: cannot read ${path} (${errorMessage(e).replace(/^[A-Z]+: /, '')})`);
  }
}

export function apiSettings(api: ApiConfig, baseDir: string): ApiSettings {
  return {
    auth: api.auth,
    open: api.open,
    hosts: api.hosts,
    trustProxy: api.trustProxy,
    corsOrigins: api.cors.origins,
    bodyLimit: api.bodyLimit,
    rateLimit: api.rateLimit,
    sessions: api.sessions,
    tls: api.tls && { cert: readConfigFile(baseDir, api.tls.certFile, 'api.tls.certFile'), key: readConfigFile(baseDir, api.tls.keyFile, 'api.tls.keyFile') },
  };
}

/** The API's settings from a partial `api` section with every default filled in (tests, tools). */
export function defaultApiSettings(api: Partial<Omit<ApiConfig, 'tls'>> = {}): ApiSettings {
  return apiSettings(apiConfig.parse(api), process.cwd());
}

/** The shared secret of `POST /api/work-orders/status`, from `secret` or `secretFile` (trailing newline dropped). */
export function statusSecret(status: SiteConfig['workOrders']['status'], baseDir: string): string | undefined {
  if (status.secretFile === undefined) return status.secret;
  const s = readConfigFile(baseDir, status.secretFile, 'workOrders.status.secretFile').toString('utf8').replace(/\r?\n$/, '');
  if (!s) throw new CbmError('CBM_ERR_CONFIG_INVALID', 'workOrders.status.secretFile: the file is empty');
  return s;
}
