import { StatusCodes } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import type { Logger } from '../../src/core/logger.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { opcuaPki, recorder, type Recorder } from '../helpers/opcua.js';
import { freePort, waitFor } from '../helpers/servers.js';

const SETPOINT = 'DemoPlant.Simulator.Setpoint';

/**
 * Issue 18: an OPC UA item reporting a Bad status (a sensor failure, a lost field bus) gives Bad
 * samples that carry the status name, each counted, and one log line that says which item and
 * which status, however long the status lasts; Uncertain is counted apart.
 */
describe('OPC UA Bad status codes', () => {
  let sim: OpcuaSim;
  let src: OpcuaSource;
  let rec: Recorder;
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (obj, msg) => void warnings.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }), error() {}, child: () => log };

  beforeAll(async () => {
    sim = await startOpcuaSimulator({ port: await freePort(), pkiDir: opcuaPki('server-bad-status'), interval: 100 });
    sim.pause();
    sim.set(SETPOINT, 10);
    src = new OpcuaSource(
      opcuaSource.parse({
        id: 'plc',
        type: 'opcua',
        endpoint: sim.endpoint,
        pkiDir: opcuaPki('client-bad-status'),
        defaults: { samplingInterval: '50ms', publishingInterval: '100ms', queueSize: 10 },
        items: [{ asset: 'sp', tag: 'raw', nodeId: `ns=2;s=${SETPOINT}` }],
      }),
    );
    rec = recorder(log);
    await src.start(rec.ctx);
    await waitFor('connected', () => rec.lastState()?.state === 'connected', 30_000);
  }, 60_000);

  afterAll(async () => {
    await src?.stop();
    await sim?.stop();
  });

  it('counts every Bad sample, names the status, and logs the item once', async () => {
    await waitFor('a Good value', () => rec.of('sp/raw').find((s) => s.quality === 'Good' && s.value === 10));
    for (const v of [11, 12, 13]) {
      sim.set(SETPOINT, v, { status: StatusCodes.BadSensorFailure });
      await waitFor(`Bad ${v}`, () => rec.of('sp/raw').find((s) => s.value === v));
    }
    sim.set(SETPOINT, 14, { status: StatusCodes.UncertainLastUsableValue });
    await waitFor('Uncertain', () => rec.of('sp/raw').find((s) => s.value === 14));
    const bad = rec.of('sp/raw').filter((s) => s.quality === 'Bad');
    expect(bad.map((s) => [s.value, s.reason])).toEqual([
      [11, 'BadSensorFailure'],
      [12, 'BadSensorFailure'],
      [13, 'BadSensorFailure'],
    ]);
    expect(src.counters()).toMatchObject({ bad: 3, uncertain: 1 });
    const said = warnings.filter((w) => w.msg.startsWith('OPC UA item reports a Bad status'));
    expect(said).toHaveLength(1);
    expect(said[0]!.obj).toMatchObject({ tag: 'sp/raw', nodeId: `ns=2;s=${SETPOINT}`, status: 'BadSensorFailure' });
  });
});
