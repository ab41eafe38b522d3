import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceSchema } from '../../../src/config/schema.js';
import { SCRYPT_HASH } from '../../../src/config/sources/mqtt-broker.js';
import { brokerOptions } from '../../../src/sources/mqtt/broker-config.js';
import { verifyPassword } from '../../../src/sources/mqtt/passwords.js';
import { tempDir } from '../../helpers/servers.js';

const source = (broker: object) => ({ id: 'mq', type: 'mqtt', broker, topics: [{ topic: 'p/{asset}/{tag}' }] });
const issues = (broker: object) => {
  const r = sourceSchema.safeParse(source(broker));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('embedded broker settings', () => {
  it('keep anonymous access off unless asked for, and say so when no client could connect', () => {
    expect(issues({ port: 0 })).toEqual(['broker.allowAnonymous: no client could connect: list `users`, or set `allowAnonymous: true` to let any client in (the demo does)']);
    const ok = sourceSchema.parse(source({ port: 0, allowAnonymous: true }));
    expect(ok.type === 'mqtt' && ok.broker).toMatchObject({ allowAnonymous: true, maxPacketSize: 262_144, readTimeout: 30_000, maxConnections: 1000, messageRate: 0 });
  });

  it('check hashes, topic patterns and TLS client-certificate settings', () => {
    expect(issues({ users: [{ username: 'u', passwordHash: 'hunter2' }] })[0]).toMatch(/^broker\.users\.0\.passwordHash: expected a scrypt hash/);
    expect(issues({ users: [{ username: 'u', publish: ['plant/#/x'] }] })[0]).toMatch(/^broker\.users\.0\.publish\.0: expected an MQTT topic filter/);
    expect(issues({ allowAnonymous: true, tls: { certFile: 'c', keyFile: 'k', clientCertificates: 'require' } })).toEqual([
      'broker.tls.caFile: expected `caFile` (the CA that signs client certificates) with clientCertificates request/require',
    ]);
    expect(issues({ allowAnonymous: true, port: false })).toEqual(['broker.port: expected a port, or `tls`: with neither the broker has no listener']);
  });

  it('read secrets from files relative to the data folder, naming the setting and file when they cannot', () => {
    const dir = tempDir('broker-cfg');
    try {
      const cfg = sourceSchema.parse(source({ users: [{ username: 'u', passwordHashFile: 'u.hash' }] }));
      if (cfg.type !== 'mqtt' || !cfg.broker) throw new Error('expected a broker');
      expect(() => brokerOptions(cfg.broker!, dir, 'sources[id=mq].broker')).toThrow(`sources[id=mq].broker.users[0].passwordHashFile: cannot read ${join(dir, 'u.hash')}`);
      writeFileSync(join(dir, 'u.hash'), 'not a hash\n');
      expect(() => brokerOptions(cfg.broker!, dir, 'sources[id=mq].broker')).toThrow('users[0].passwordHashFile: expected the file to hold a scrypt hash');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("make a hash with the one-liner docs/mqtt.md gives, which the broker accepts", async () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/mqtt.md'), 'utf8');
    const script = /node -e '([^']+)'/.exec(doc)?.[1];
    expect(script, 'docs/mqtt.md: the `node -e` one-liner').toBeDefined();
    const hash = execFileSync(process.execPath, ['-e', script!], { input: 'pump-pass', encoding: 'utf8' }).trim();
    expect(SCRYPT_HASH.test(hash)).toBe(true);
    expect(await verifyPassword('pump-pass', hash)).toBe(true);
    expect(await verifyPassword('pump-pass\n', hash)).toBe(false);
  });
});
