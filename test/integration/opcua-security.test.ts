import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import { certificateInfo, readCertificateFile } from '../../src/sources/opcua/pki.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { startGateway, writeSite } from '../helpers/gateway.js';
import { opcuaPki, recorder } from '../helpers/opcua.js';
import { freePort, waitFor } from '../helpers/servers.js';

const VIB = 'ns=2;s=DemoPlant.Utilities.CoolingWater.P-101.vibration';

/**
 * Security: a server that only offers SignAndEncrypt with Basic256Sha256 and refuses anonymous
 * users. The gateway connects with its own application certificate (made on first start under
 * the PKI folder), a user name and a password from the environment, and trusts the server's
 * certificate only because the config names its thumbprint. A server whose certificate nobody
 * trusted is refused, and the status says which certificate and what to do.
 */
describe('OPC UA security', () => {
  let secure: OpcuaSim;
  let stranger: OpcuaSim;
  let gw: Gateway | undefined;

  beforeAll(async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    [secure, stranger] = await Promise.all([
      startOpcuaSimulator({ port: p1, pkiDir: opcuaPki('server-secure'), interval: 100, securityModes: ['SignAndEncrypt'], allowAnonymous: false, users: { operator: 'pump-secret' } }),
      startOpcuaSimulator({ port: p2, pkiDir: opcuaPki('server-stranger'), interval: 100, securityModes: ['SignAndEncrypt'] }),
    ]);
  });

  afterAll(async () => {
    await gw?.stop();
    await Promise.all([secure?.stop(), stranger?.stop()]);
  });

  it('reads over SignAndEncrypt/Basic256Sha256 with user and password, trusting the server by thumbprint', async () => {
    const thumbprint = certificateInfo(readCertificateFile(secure.certificateFile)).thumbprint;
    const { file } = writeSite(
      {
        gateway: { id: 'gw-secure', dataDir: './data', logLevel: 'silent' },
        site: { id: 'plant', name: 'Plant' },
        assets: [{ id: 'p-101', name: 'Pump', tags: [{ id: 'vibration', unit: 'mm/s' }] }],
        sources: [
          {
            id: 'plc',
            type: 'opcua',
            endpoint: secure.endpoint,
            securityMode: 'SignAndEncrypt',
            securityPolicy: 'Basic256Sha256',
            auth: { type: 'username', username: 'operator', password: '${OPCUA_PASSWORD}' },
            // UaExpert shows thumbprints with colons and upper case; both forms are accepted.
            trustedServerCertificates: [thumbprint.toUpperCase().match(/../g)!.join(':')],
            pkiDir: opcuaPki('client-security'),
            defaults: { samplingInterval: '100ms', publishingInterval: '200ms' },
            items: [{ asset: 'p-101', tag: 'vibration', nodeId: VIB }],
          },
        ],
      },
      [],
    );
    gw = await startGateway(file, { env: { ...process.env, OPCUA_PASSWORD: 'pump-secret' } });
    const idx = gw.view.catalog.tag('p-101/vibration')!.index;
    await waitFor('an encrypted value', () => gw!.view.latest.get(idx)?.quality === 'Good', 40_000);
    const st = gw.view.sources().find((s) => s.id === 'plc')!;
    expect(st.state).toBe('connected');
    expect(st.detail).toContain('SignAndEncrypt/Basic256Sha256');
  });

  it('says so when the password is wrong', async () => {
    const rec = recorder();
    const src = new OpcuaSource(
      opcuaSource.parse({
        id: 'plc-bad-pw',
        type: 'opcua',
        endpoint: secure.endpoint,
        securityMode: 'SignAndEncrypt',
        securityPolicy: 'Basic256Sha256',
        auth: { type: 'username', username: 'operator', password: 'wrong' },
        trustedServerCertificates: [certificateInfo(readCertificateFile(secure.certificateFile)).thumbprint],
        pkiDir: opcuaPki('client-security'),
        reconnect: { initialDelay: '5s', maxDelay: '5s' },
        items: [{ asset: 'p-101', tag: 'vibration', nodeId: VIB }],
      }),
    );
    await src.start(rec.ctx);
    try {
      const st = await waitFor('an auth failure', () => rec.states.find((s) => s.detail?.startsWith('CBM_ERR_OPCUA_AUTH')), 30_000);
      expect(st.state).toBe('reconnecting');
      expect(rec.samples).toEqual([]);
    } finally {
      await src.stop();
    }
  });

  it('refuses a server certificate nobody trusted, and says which one and what to do', async () => {
    const rec = recorder();
    const pki = opcuaPki('client-strict'); // a client PKI in which nothing is ever trusted
    const src = new OpcuaSource(
      opcuaSource.parse({
        id: 'plc-stranger',
        type: 'opcua',
        endpoint: stranger.endpoint,
        securityMode: 'SignAndEncrypt',
        securityPolicy: 'Basic256Sha256',
        pkiDir: pki,
        reconnect: { initialDelay: '5s', maxDelay: '5s' },
        items: [{ asset: 'p-101', tag: 'vibration', nodeId: VIB }],
      }),
    );
    await src.start(rec.ctx);
    try {
      const st = await waitFor('an untrusted-certificate status', () => rec.states.find((s) => s.detail?.startsWith('CBM_ERR_OPCUA_CERT_UNTRUSTED')), 40_000);
      const info = certificateInfo(readCertificateFile(stranger.certificateFile));
      expect(st.state).toBe('disconnected');
      expect(st.detail).toContain(info.thumbprint);
      expect(st.detail).toContain('cbm-gateway opcua trust');
      expect(rec.samples).toEqual([]);
      // node-opcua filed the certificate under rejected/ for an engineer to inspect, and trusted nothing.
      expect(existsSync(join(pki, 'rejected')) && readdirSync(join(pki, 'rejected')).length).toBeGreaterThan(0);
      expect(readdirSync(join(pki, 'trusted', 'certs'))).toEqual([]);
    } finally {
      await src.stop();
    }
  });
});
