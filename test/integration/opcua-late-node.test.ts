import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { opcuaPki, recorder, type Recorder } from '../helpers/opcua.js';
import { freePort, waitFor } from '../helpers/servers.js';

/**
 * A node that does not exist yet (a PLC program being downloaded, a server still loading its
 * address space) is reported Bad with the server's reason, and monitored once it appears,
 * without reconnecting.
 */
describe('OPC UA item that appears later', () => {
  let sim: OpcuaSim;
  let src: OpcuaSource;
  let rec: Recorder;

  beforeAll(async () => {
    sim = await startOpcuaSimulator({ port: await freePort(), pkiDir: opcuaPki('server-late'), interval: 100 });
    src = new OpcuaSource(
      opcuaSource.parse({
        id: 'plc',
        type: 'opcua',
        endpoint: sim.endpoint,
        pkiDir: opcuaPki('client-late-node'),
        refusedItemRetry: '300ms',
        defaults: { samplingInterval: '50ms', publishingInterval: '100ms' },
        items: [
          { asset: 'x', tag: 'late', nodeId: 'ns=2;s=DemoPlant.Simulator.Late' },
          { asset: 'x', tag: 'late_path', browsePath: '2:DemoPlant/2:Simulator/2:Late' },
          { asset: 'x', tag: 'setpoint', nodeId: 'ns=2;s=DemoPlant.Simulator.Setpoint' },
        ],
      }),
    );
    rec = recorder();
    await src.start(rec.ctx);
    await waitFor('connected', () => rec.lastState()?.state === 'connected', 30_000);
  });

  afterAll(async () => {
    await src?.stop();
    await sim?.stop();
  });

  it('reports the missing node as Bad, then monitors it once it exists', async () => {
    expect(await waitFor('refused', () => rec.of('x/late')[0])).toMatchObject({ quality: 'Bad', reason: 'BadNodeIdUnknown' });
    expect(await waitFor('refused path', () => rec.of('x/late_path')[0])).toMatchObject({ quality: 'Bad', reason: 'BadNoMatch' });
    expect(src.devices()[0]!.counters.refused).toBe(2);
    sim.addVariable('Late');
    sim.set('DemoPlant.Simulator.Late', 7.5);
    await waitFor('value by NodeId', () => rec.of('x/late').find((s) => s.quality === 'Good' && s.value === 7.5));
    await waitFor('value by browse path', () => rec.of('x/late_path').find((s) => s.quality === 'Good' && s.value === 7.5));
    expect(src.devices()[0]!.counters.refused).toBe(0);
    expect(src.counters().connects).toBe(1); // no reconnect was needed
  });
});
