import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { certificateInfo, readCertificateFile } from '../../src/sources/opcua/pki.js';
import { opcuaPki } from '../helpers/opcua.js';
import { freePort, tempDir } from '../helpers/servers.js';

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args], { env: process.env }).catch((e: { code: number; stdout: string; stderr: string }) => e);

/** `cbm-gateway opcua browse` and `opcua trust` as an engineer runs them, against the simulator. */
describe('cbm-gateway opcua browse / trust', () => {
  let sim: OpcuaSim;

  beforeAll(async () => {
    sim = await startOpcuaSimulator({ port: await freePort(), pkiDir: opcuaPki('server-cli'), interval: 200 });
  });
  afterAll(async () => sim?.stop());

  it('lists NodeIds, browse names, data types and current values', async () => {
    const r = await cli('opcua', 'browse', sim.endpoint, 'ns=2;s=DemoPlant.Utilities.CoolingTower', '--pki', opcuaPki('client-cli'));
    expect(r.stdout).toMatch(/2:F-301\s+ns=2;s=DemoPlant\.Utilities\.CoolingTower\.F-301\s+Object/);
    expect(r.stdout).toMatch(/2:speed\s+ns=2;s=DemoPlant\.Utilities\.CoolingTower\.F-301\.speed\s+Double\s+1[45]\d\d/);
    expect(r.stdout).toMatch(/2:running\s+\S+\s+Boolean\s+true/);
    const j = await cli('opcua', 'browse', sim.endpoint, 'ns=2;s=DemoPlant', '--json', '--pki', opcuaPki('client-cli'));
    const rows = JSON.parse(j.stdout) as { path: string; nodeId: string }[];
    // The path column pastes straight into an item's `browsePath`.
    expect(rows.find((x) => x.nodeId.endsWith('P-101.vibration'))?.path).toBe('2:Utilities/2:CoolingWater/2:P-101/2:vibration');
  });

  it('trusts a server certificate only when the thumbprint matches', async () => {
    const pki = tempDir('opcua-trust-pki');
    const tp = certificateInfo(readCertificateFile(sim.certificateFile)).thumbprint;
    const wrong = await cli('opcua', 'trust', sim.endpoint, '--pki', pki, '--thumbprint', '00'.repeat(20));
    expect(wrong.stderr).toContain(`CBM_ERR_OPCUA_CERT_UNTRUSTED: the server presents thumbprint ${tp}`);
    expect(readdirSync(join(pki, 'trusted', 'certs'))).toEqual([]);
    // Not a terminal and no --thumbprint: nothing is trusted silently.
    const asked = await cli('opcua', 'trust', sim.endpoint, '--pki', pki);
    expect(asked.stdout).toContain(tp);
    expect(asked.stdout).toContain('not trusted');
    expect(readdirSync(join(pki, 'trusted', 'certs'))).toEqual([]);
    const ok = await cli('opcua', 'trust', sim.endpoint, '--pki', pki, '--thumbprint', tp);
    expect(ok.stdout).toContain('trusted: copied to');
    expect(readdirSync(join(pki, 'trusted', 'certs')).length).toBe(1);
  });
});
