import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeApplicationUrn } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { opcuaPki, recorder, type Recorder } from '../helpers/opcua.js';
import { installServerCertificate, makeTestCa, type TestCa } from '../helpers/pki.js';
import { freePort, tempDir, waitFor } from '../helpers/servers.js';

const VIB = 'ns=2;s=DemoPlant.Utilities.CoolingWater.P-101.vibration';

/**
 * Issue 18: OPC UA server certificates signed by a plant CA. With the CA trusted and its
 * revocation list given, a server whose certificate the CA signed is accepted without trusting
 * the server itself; one whose certificate the CA revoked is refused, and so is any server of a CA
 * whose revocation list is missing, each with a status that says why. The servers offer only the
 * Sign security mode (signed, not encrypted), which the accepted connection uses.
 */
describe('OPC UA servers with CA-signed certificates', () => {
  let ca: TestCa;
  let good: OpcuaSim;
  let revoked: OpcuaSim;
  const sources: OpcuaSource[] = [];

  beforeAll(async () => {
    ca = makeTestCa(tempDir('opcua-ca'));
    const uri = makeApplicationUrn(hostname(), 'NodeOPCUA-Server'); // the simulator's application URI
    const start = async (name: string) => {
      const pki = join(tempDir(`opcua-sim-${name}`), 'pki');
      installServerCertificate(pki, ca, ca.issue(name, uri));
      return startOpcuaSimulator({ port: await freePort(), pkiDir: pki, interval: 100, securityModes: ['Sign'] });
    };
    [good, revoked] = await Promise.all([start('plc-good'), start('plc-revoked')]);
    ca.revoke('plc-revoked');
    ca.crl();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sources.map((s) => s.stop()));
    await Promise.all([good?.stop(), revoked?.stop()]);
  });

  async function run(id: string, endpoint: string, pki: string, trust: { revocationLists?: string[] }): Promise<Recorder> {
    const rec = recorder();
    const src = new OpcuaSource(
      opcuaSource.parse({
        id,
        type: 'opcua',
        endpoint,
        securityMode: 'Sign',
        securityPolicy: 'Basic256Sha256',
        trustedCaCertificates: [ca.caFile],
        ...trust,
        pkiDir: pki,
        reconnect: { initialDelay: '5s', maxDelay: '5s' },
        defaults: { samplingInterval: '100ms', publishingInterval: '200ms' },
        items: [{ asset: 'p-101', tag: 'vibration', nodeId: VIB }],
      }),
    );
    sources.push(src);
    await src.start(rec.ctx);
    return rec;
  }

  it('accepts a server the trusted CA signed, over Sign/Basic256Sha256, without trusting the server itself', async () => {
    const rec = await run('plc-good', good.endpoint, opcuaPki('client-ca'), { revocationLists: [join(ca.dir, 'ca.crl')] });
    await waitFor('a signed value', () => rec.of('p-101/vibration').find((s) => s.quality === 'Good'), 40_000);
    expect(rec.lastState()).toMatchObject({ state: 'connected', detail: expect.stringContaining('Sign/Basic256Sha256') });
  });

  it('refuses a server whose certificate the CA revoked, and says so', async () => {
    const rec = await run('plc-revoked', revoked.endpoint, opcuaPki('client-ca'), { revocationLists: [join(ca.dir, 'ca.crl')] });
    const st = await waitFor('a refusal', () => rec.states.find((s) => s.detail?.startsWith('CBM_ERR_OPCUA_CERT_UNTRUSTED')), 40_000);
    expect(st.state).toBe('disconnected');
    expect(st.detail).toMatch(/is revoked by its CA/);
    expect(rec.samples).toEqual([]);
  });

  it('refuses the servers of a CA whose revocation list is missing, and says which list to add', async () => {
    const rec = await run('plc-no-crl', good.endpoint, opcuaPki('client-ca-no-crl'), {});
    const st = await waitFor('a refusal', () => rec.states.find((s) => s.detail?.startsWith('CBM_ERR_OPCUA_CERT_UNTRUSTED')), 40_000);
    expect(st.detail).toMatch(/add the CA's CRL file under revocationLists/);
    expect(rec.samples).toEqual([]);
  });
});
