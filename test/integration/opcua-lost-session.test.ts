import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { opcuaPki, recorder, type Recorder } from '../helpers/opcua.js';
import { freePort, waitFor } from '../helpers/servers.js';

const RESUME_BOUND_MS = 45_000;

/**
 * The quieter failure: the server forgets the session and its subscriptions while the TCP
 * connection stays up, so no "connection lost" ever fires. Data must resume by itself.
 */
describe('OPC UA server drops the session and subscriptions', () => {
  let sim: OpcuaSim;
  let src: OpcuaSource;
  let rec: Recorder;

  beforeAll(async () => {
    sim = await startOpcuaSimulator({ port: await freePort(), pkiDir: opcuaPki('server-lost'), interval: 100 });
    src = new OpcuaSource(
      opcuaSource.parse({
        id: 'plc',
        type: 'opcua',
        endpoint: sim.endpoint,
        pkiDir: opcuaPki('client-lost-session'),
        reconnect: { initialDelay: '250ms', maxDelay: '2s' },
        maxKeepAliveCount: 3,
        defaults: { samplingInterval: '100ms', publishingInterval: '200ms' },
        items: [{ asset: 'f-301', tag: 'speed', nodeId: 'ns=2;s=DemoPlant.Utilities.CoolingTower.F-301.speed' }],
      }),
    );
    rec = recorder();
    await src.start(rec.ctx);
    await waitFor('first values', () => rec.of('f-301/speed').length >= 3, 30_000);
  });

  afterAll(async () => {
    await src?.stop();
    await sim?.stop();
  });

  it('resumes data after the server forgot the session', async () => {
    const before = src.counters();
    expect(sim.dropSessions()).toBe(1);
    const dropped = Date.now();
    await waitFor('fresh values after the drop', () => rec.of('f-301/speed').some((s) => s.ts > dropped + 500), RESUME_BOUND_MS, 20);
    const after = src.counters();
    process.stdout.write(`OPC UA dropped session: data resumed after ${Date.now() - dropped} ms; counters ${JSON.stringify(after)}\n`);
    // Either node-opcua repaired the session or the source rebuilt it; one of them happened.
    const fixes = (c: Record<string, number>) => (c.repairs ?? 0) + (c.rebuilds ?? 0);
    expect(fixes(after)).toBeGreaterThan(fixes(before));
    expect(rec.lastState()?.state).toBe('connected');
  });
});
