import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { IClientOptions } from 'mqtt';
import type { MqttSourceConfig } from '../../config/schema.js';

/**
 * TLS settings of the connection to the plant broker (mqtts://, wss://): a private CA, a client
 * certificate, certificate checking. Files are read when the source starts, relative paths from
 * the gateway's data folder (as the embedded broker's certificates).
 */
export function clientTls(cfg: Pick<MqttSourceConfig, 'caFile' | 'certFile' | 'keyFile' | 'rejectUnauthorized'>, dataDir: string): Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> {
  const read = (f: string) => readFileSync(isAbsolute(f) ? f : resolve(dataDir, f));
  const o: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> = { rejectUnauthorized: cfg.rejectUnauthorized };
  if (cfg.caFile) o.ca = read(cfg.caFile);
  if (cfg.certFile) o.cert = read(cfg.certFile);
  if (cfg.keyFile) o.key = read(cfg.keyFile);
  return o;
}
