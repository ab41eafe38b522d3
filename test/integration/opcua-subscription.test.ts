import { StatusCodes } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { opcuaPki, recorder, type Recorder } from '../helpers/opcua.js';
import { freePort, waitFor } from '../helpers/servers.js';

const PUMP = 'ns=2;s=DemoPlant.Utilities.CoolingWater.P-101';
const SETPOINT = 'DemoPlant.Simulator.Setpoint';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The OPC UA source against the node-opcua plant simulator: subscriptions, timestamps, quality, deadbands. */
describe('OPC UA source ← plant simulator', () => {
  let sim: OpcuaSim;
  let src: OpcuaSource;
  let rec: Recorder;

  beforeAll(async () => {
    sim = await startOpcuaSimulator({ port: await freePort(), pkiDir: opcuaPki('server-main'), interval: 100 });
    sim.set(SETPOINT, 10); // the deadband items start from 10
    src = new OpcuaSource(
      opcuaSource.parse({
        id: 'plc',
        type: 'opcua',
        endpoint: sim.endpoint,
        pkiDir: opcuaPki('client-subscription'),
        defaults: { samplingInterval: '50ms', publishingInterval: '100ms', queueSize: 10 },
        items: [
          { asset: 'p-101', tag: 'vibration', nodeId: `${PUMP}.vibration` },
          { asset: 'p-101', tag: 'running', nodeId: `${PUMP}.running` },
          { asset: 'f-301', tag: 'speed', browsePath: '/Objects/2:DemoPlant/2:Utilities/2:CoolingTower/2:F-301/2:speed', publishingInterval: '250ms' },
          { asset: 'sp', tag: 'raw', nodeId: `ns=2;s=${SETPOINT}` },
          { asset: 'sp', tag: 'abs', nodeId: `ns=2;s=${SETPOINT}`, deadband: { type: 'absolute', value: 0.5 } },
          { asset: 'sp', tag: 'pct', nodeId: `ns=2;s=${SETPOINT}`, deadband: { type: 'percent', value: 5 } },
          { asset: 'x', tag: 'missing', nodeId: 'ns=2;s=No.Such.Node' },
          { asset: 'x', tag: 'nopath', browsePath: '2:DemoPlant/2:Nowhere' },
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

  it('groups items into one subscription per publishing interval', () => {
    expect(src.plans.map((p) => [p.publishingInterval, p.itemCount])).toEqual([
      [100, 7],
      [250, 1],
    ]);
    expect(src.devices().map((d) => d.id)).toEqual(['subscription-100ms', 'subscription-250ms']);
  });

  it('delivers values by NodeId and by browse path, stamped with the source timestamp', async () => {
    await waitFor('vibration and fan speed samples', () => rec.of('p-101/vibration').length >= 5 && rec.of('f-301/speed').length >= 2);
    const v = rec.of('p-101/vibration').at(-1)!;
    expect(v.quality).toBe('Good');
    expect(typeof v.value).toBe('number');
    expect(rec.of('p-101/running').at(-1)!.value).toBe(true);
    // A value stamped by the device in the past keeps that time (Part 4 §7.7.3 SourceTimestamp).
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    sim.set(`${SETPOINT}`, 42.5, { at });
    const s = await waitFor('the stamped setpoint', () => rec.of('sp/raw').find((x) => x.value === 42.5));
    expect(s.ts).toBe(at.getTime());
    sim.set(SETPOINT, 10);
    await waitFor('setpoint back to 10', () => rec.of('sp/raw').at(-1)?.value === 10);
  });

  it('maps StatusCode severity to quality and names the status', async () => {
    sim.set(SETPOINT, 10, { status: StatusCodes.UncertainLastUsableValue });
    const u = await waitFor('uncertain sample', () => rec.of('sp/raw').find((x) => x.quality === 'Uncertain'));
    expect(u.reason).toBe('UncertainLastUsableValue');
    sim.set(SETPOINT, 10, { status: StatusCodes.BadSensorFailure });
    const b = await waitFor('bad sample', () => rec.of('sp/raw').find((x) => x.quality === 'Bad'));
    expect(b.reason).toBe('BadSensorFailure');
    sim.set(SETPOINT, 10);
    await waitFor('good again', () => rec.of('sp/raw').at(-1)?.quality === 'Good');
    // Unknown nodes and unresolvable paths are reported as Bad samples that say why, not dropped.
    expect(rec.of('x/missing')[0]).toMatchObject({ quality: 'Bad', reason: 'BadNodeIdUnknown' });
    expect(rec.of('x/nopath')[0]).toMatchObject({ quality: 'Bad', reason: 'BadNoMatch' });
    expect(src.counters().refused).toBe(2);
  });

  it('lets absolute and percent deadbands suppress small changes (Part 4 §7.17.2)', async () => {
    const from = { raw: rec.of('sp/raw').length, abs: rec.of('sp/abs').length, pct: rec.of('sp/pct').length };
    const steps = [10.3, 10.45, 11, 13, 16.5];
    for (const v of steps) {
      sim.set(SETPOINT, v);
      await sleep(250); // several sampling intervals, so the server samples every step
    }
    await waitFor('all raw steps', () => rec.of('sp/raw').slice(from.raw).length >= steps.length);
    await sleep(300);
    const good = (t: string, n: number) => rec.of(t).slice(n).filter((s) => s.quality === 'Good').map((s) => s.value);
    expect(good('sp/raw', from.raw)).toEqual(steps);
    // Absolute 0.5 against the last reported value 10: 10.3 and 10.45 stay inside.
    expect(good('sp/abs', from.abs)).toEqual([11, 13, 16.5]);
    // 5 % of the EURange 0..100 = 5: only 16.5 is more than 5 from 10.
    expect(good('sp/pct', from.pct)).toEqual([16.5]);
  });
});
