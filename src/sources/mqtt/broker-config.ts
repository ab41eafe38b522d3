import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CbmError } from '../../core/errors.js';
import { SCRYPT_HASH, type MqttBrokerConfig } from '../../config/sources/mqtt-broker.js';
import { BrokerAccess } from './broker-access.js';
import type { EmbeddedBrokerOptions } from './embedded-broker.js';

/**
 * The embedded broker's options from its settings: password hashes, certificates and keys read
 * from their files (relative paths from the gateway's data folder). A file that cannot be read,
 * or a hash file that holds no hash, is an error naming the setting and the file.
 */
export function brokerOptions(cfg: MqttBrokerConfig, dataDir: string, where: string): EmbeddedBrokerOptions {
  const read = (path: string, key: string): Buffer => {
    const file = isAbsolute(path) ? path : resolve(dataDir, path);
    try {
      return readFileSync(file);
    } catch (e) {
      throw new CbmError('CBM_ERR_CONFIG_READ', `${where}.${key}: cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
  };
  const users = cfg.users.map((u, i) => {
    let passwordHash = u.passwordHash;
    if (u.passwordHashFile) {
      const key = `users[${i}].passwordHashFile`;
      passwordHash = read(u.passwordHashFile, key).toString('utf8').split('\n')[0]!.trim();
      if (!SCRYPT_HASH.test(passwordHash)) throw new CbmError('CBM_ERR_CONFIG_INVALID', `${where}.${key}: expected the file to hold a scrypt hash "$scrypt$N=…,r=…,p=…$<salt>$<hash>" (docs/mqtt.md)`);
    }
    return { username: u.username, passwordHash, publish: u.publish, subscribe: u.subscribe };
  });
  const t = cfg.tls;
  return {
    access: new BrokerAccess({ allowAnonymous: cfg.allowAnonymous, anonymous: cfg.anonymous, users }),
    tls: t && {
      port: t.port,
      cert: read(t.certFile, 'tls.certFile'),
      key: read(t.keyFile, 'tls.keyFile'),
      passphrase: t.keyPassphraseFile ? read(t.keyPassphraseFile, 'tls.keyPassphraseFile').toString('utf8').split('\n')[0] : undefined,
      ca: t.caFile ? read(t.caFile, 'tls.caFile') : undefined,
      clientCertificates: t.clientCertificates,
      websocketPort: t.websocketPort,
    },
    maxConnections: cfg.maxConnections,
    maxPacketSize: cfg.maxPacketSize,
    readTimeout: cfg.readTimeout,
    maxInflight: cfg.maxInflight,
    maxQueued: cfg.maxQueued,
    messageRate: cfg.messageRate,
  };
}
