import mqtt from 'mqtt';
import { addVariable, setValue, type SimVariable } from '../opcua/address-space.js';
import { initSimServer } from '../opcua/server.js';
import { listenModbus } from '../modbus/server.js';

/**
 * Load mode: N machines × M tags changing R times a second over one protocol, for benchmarks and
 * soak tests. Values are a cheap deterministic wave (tag j of machine i at tick k), so a reader
 * can check what it got. Reports what it actually sustained, second by second.
 */
export interface LoadOptions {
  protocol: 'mqtt' | 'modbus' | 'opcua';
  machines: number;
  tags: number;
  /** Updates per tag per second. */
  rate: number;
  mqttUrl?: string;
  port?: number;
  pkiDir?: string;
  report?: (line: string) => void;
}

export interface LoadRun {
  /** Tag updates per second, second by second. */
  perSecond: number[];
  /** Updates asked per second: machines × tags × rate. */
  target: number;
  stop(): Promise<{ sustained: number; target: number; seconds: number }>;
}

export const loadValue = (machine: number, tag: number, tick: number) => Math.round(1000 * (50 + 40 * Math.sin(tick / 10 + machine + tag / 7))) / 1000;
export const loadAsset = (i: number) => `load-${String(i + 1).padStart(4, '0')}`;
export const loadTag = (j: number) => `t${String(j + 1).padStart(3, '0')}`;

export async function startLoad(o: LoadOptions): Promise<LoadRun> {
  const target = o.machines * o.tags * o.rate;
  let updates = 0;
  let tick = 0;
  let write: () => void;
  let close: () => Promise<void>;
  if (o.protocol === 'mqtt') {
    const client = mqtt.connect(o.mqttUrl ?? 'mqtt://127.0.0.1:1883', { clientId: `cbm-load-${process.pid}`, reconnectPeriod: 500 });
    client.on('error', () => undefined);
    await new Promise<void>((r) => client.once('connect', () => r()));
    const topics = Array.from({ length: o.machines }, (_, i) => `load/${loadAsset(i)}/telemetry`);
    // Counted when the client has written the message: QoS 0 has no acknowledgement.
    write = () => {
      const ts = Date.now();
      for (let i = 0; i < o.machines; i++) {
        let body = `{"ts":${ts}`;
        for (let j = 0; j < o.tags; j++) body += `,"${loadTag(j)}":${loadValue(i, j, tick)}`;
        client.publish(topics[i]!, `${body}}`, { qos: 0 }, () => (updates += o.tags));
      }
    };
    close = () => client.endAsync();
  } else if (o.protocol === 'modbus') {
    // Unit i+1 holds its M tags as float32 ABCD from holding register 0.
    const regs = Array.from({ length: o.machines }, () => new Uint16Array(o.tags * 2));
    const b = Buffer.alloc(4);
    write = () => {
      for (let i = 0; i < o.machines; i++) {
        for (let j = 0; j < o.tags; j++) {
          b.writeFloatBE(loadValue(i, j, tick));
          regs[i]![2 * j] = b.readUInt16BE(0);
          regs[i]![2 * j + 1] = b.readUInt16BE(2);
        }
        updates += o.tags;
      }
    };
    const unit = (id: number) => regs[id - 1] ?? regs[0]!;
    const server = await listenModbus(
      {
        getHoldingRegister: (a: number, id: number) => unit(id)[a] ?? 0,
        getMultipleHoldingRegisters: (a: number, n: number, id: number) => Array.from(unit(id).subarray(a, a + n)),
      },
      { port: o.port ?? 5020 },
    );
    close = server.stop;
  } else {
    const { server, ns, objects } = await initSimServer({ port: o.port ?? 4840, pkiDir: o.pkiDir ?? '.data/opcua-sim-pki', securityModes: ['None'] });
    const root = ns.addFolder(objects, { browseName: 'Load', nodeId: 's=Load' });
    const vars: SimVariable[][] = [];
    for (let i = 0; i < o.machines; i++) {
      const obj = ns.addObject({ organizedBy: root, browseName: loadAsset(i), nodeId: `s=Load.${loadAsset(i)}` });
      vars.push(Array.from({ length: o.tags }, (_, j) => addVariable(ns, obj, `Load.${loadAsset(i)}`, { name: loadTag(j), range: [0, 100], minimumSamplingInterval: 0 })));
    }
    await server.start();
    write = () => {
      const at = new Date();
      for (let i = 0; i < o.machines; i++) for (let j = 0; j < o.tags; j++) setValue(vars[i]![j]!, loadValue(i, j, tick), at);
      updates += o.machines * o.tags;
    };
    close = () => server.shutdown(0);
  }
  // One round per 1/R s, on a schedule that catches up rather than drifts.
  const period = 1000 / o.rate;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    const due = Math.floor((performance.now() - t0) / period);
    // Behind by more than a few rounds: skip what cannot be sent, and let the rate show it.
    if (due - tick > 5) tick = due - 5;
    while (tick < due) {
      write();
      tick++;
    }
    timer = setTimeout(loop, Math.max(0, period - ((performance.now() - t0) % period)));
  };
  loop();
  const perSecond: number[] = [];
  let last = 0;
  let lastAt = performance.now();
  // The sustained rate counts from the end of the first second (start-up), by the wall clock.
  let from: { at: number; updates: number } | undefined;
  const meter = setInterval(() => {
    const now = performance.now();
    perSecond.push(Math.round(((updates - last) * 1000) / (now - lastAt)));
    last = updates;
    lastAt = now;
    from ??= { at: now, updates };
    o.report?.(`${new Date().toISOString()}  ${perSecond.at(-1)} tag updates/s (asked ${target})`);
  }, 1000);
  return {
    perSecond,
    target,
    async stop() {
      clearTimeout(timer);
      clearInterval(meter);
      const end = { at: performance.now(), updates };
      await close();
      const seconds = from ? (end.at - from.at) / 1000 : 0;
      const sustained = seconds > 0 ? Math.round((end.updates - from!.updates) / seconds) : 0;
      return { sustained, target, seconds: Math.round(seconds) };
    },
  };
}

/** A gateway site config that reads the load: one asset per machine, M tags each, over the chosen protocol. */
export function loadSiteConfig(o: LoadOptions & { dataDir: string }): Record<string, unknown> {
  const assets = Array.from({ length: o.machines }, (_, i) => ({ id: loadAsset(i), name: `Load machine ${i + 1}`, line: 'load/main', tags: Array.from({ length: o.tags }, (_, j) => ({ id: loadTag(j) })) }));
  const pollMs = Math.max(10, Math.round(1000 / o.rate));
  const source =
    o.protocol === 'mqtt'
      ? { id: 'load-mqtt', type: 'mqtt', broker: { enabled: true, host: '127.0.0.1', port: Number(new URL(o.mqttUrl ?? 'mqtt://127.0.0.1:1883').port || 1883) }, qos: 0, topics: [{ topic: 'load/{asset}/telemetry', format: 'json' }] }
      : o.protocol === 'modbus'
        ? { id: 'load-modbus', type: 'modbus', devices: assets.map((a, i) => ({ id: `${a.id}-plc`, host: '127.0.0.1', port: o.port ?? 5020, unitId: i + 1, asset: a.id, pollInterval: pollMs, points: a.tags.map((t, j) => ({ tag: t.id, function: 'holding', address: 2 * j, type: 'float32' })) })) }
        : { id: 'load-opcua', type: 'opcua', endpoint: `opc.tcp://127.0.0.1:${o.port ?? 4840}`, defaults: { samplingInterval: 0, publishingInterval: Math.max(50, pollMs), queueSize: 100 }, items: assets.flatMap((a) => a.tags.map((t) => ({ asset: a.id, tag: t.id, nodeId: `ns=2;s=Load.${a.id}.${t.id}` }))) };
  return { gateway: { id: 'load-gateway', dataDir: o.dataDir, logLevel: 'warn' }, site: { id: 'load', name: 'Load test' }, areas: [{ id: 'load', name: 'Load', lines: [{ id: 'main', name: 'Main' }] }], assets, sources: [source], api: { host: '127.0.0.1', port: 8080 } };
}
