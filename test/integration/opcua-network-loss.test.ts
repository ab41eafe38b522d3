import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { opcuaPki, recorder, type Recorder } from '../helpers/opcua.js';
import { freePort, waitFor } from '../helpers/servers.js';

const RESUME_BOUND_MS = 45_000;

/** A TCP relay whose link can be cut and restored: the network between gateway and PLC. */
async function relay(target: number): Promise<{ port: number; cut: () => Promise<void>; restore: () => Promise<void>; close: () => Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((a) => {
        const b = connect(target, '127.0.0.1');
        for (const s of [a, b]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        a.pipe(b).pipe(a);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const cut = async () => {
    // close() waits for open connections: stop listening, then drop them.
    const closed = new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

/**
 * The link to a running server drops for a few seconds (cable, switch, VPN). The server keeps
 * the session (timeout 60 s) and keeps sampling into the monitored items' queues, so after the
 * link returns, node-opcua reactivates the session and the queued values arrive: no restart,
 * and values stamped during the outage are not lost (up to queueSize per item).
 */
describe('OPC UA network loss', () => {
  let sim: OpcuaSim;
  let net: Awaited<ReturnType<typeof relay>>;
  let src: OpcuaSource;
  let rec: Recorder;

  beforeAll(async () => {
    sim = await startOpcuaSimulator({ port: await freePort(), pkiDir: opcuaPki('server-netloss'), interval: 100 });
    net = await relay(sim.port);
    src = new OpcuaSource(
      opcuaSource.parse({
        id: 'plc',
        type: 'opcua',
        endpoint: `opc.tcp://127.0.0.1:${net.port}`,
        pkiDir: opcuaPki('client-network-loss'),
        reconnect: { initialDelay: '250ms', maxDelay: '2s' },
        defaults: { samplingInterval: '100ms', publishingInterval: '200ms', queueSize: 50 },
        items: [{ asset: 'f-301', tag: 'speed', nodeId: 'ns=2;s=DemoPlant.Utilities.CoolingTower.F-301.speed' }],
      }),
    );
    rec = recorder();
    await src.start(rec.ctx);
    await waitFor('first values', () => rec.of('f-301/speed').length >= 3, 30_000);
  });

  afterAll(async () => {
    await src?.stop();
    await net?.close();
    await sim?.stop();
  });

  it('resumes after the link comes back, with the values sampled while it was down', async () => {
    await net.cut();
    const down = Date.now();
    await waitFor('reconnecting', () => rec.lastState()?.state === 'reconnecting');
    await new Promise((r) => setTimeout(r, 3000));
    await net.restore();
    const up = Date.now();
    await waitFor('values after the link returned', () => rec.of('f-301/speed').some((s) => s.ts > up), RESUME_BOUND_MS, 20);
    process.stdout.write(`OPC UA network loss: link down ${up - down} ms; data resumed ${Date.now() - up} ms after; counters ${JSON.stringify(src.counters())}\n`);
    const during = rec.of('f-301/speed').filter((s) => s.ts > down + 200 && s.ts < up - 200);
    process.stdout.write(`OPC UA network loss: ${during.length} values stamped inside the outage were delivered afterwards\n`);
    expect(during.length).toBeGreaterThan(0);
    await waitFor('connected again', () => rec.lastState()?.state === 'connected');
  });
});
