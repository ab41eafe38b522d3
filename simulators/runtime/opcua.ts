import { StatusCodes, type StatusCode, type UAObject } from 'node-opcua';
import { addVariable, setValue, type SimVariable } from '../opcua/address-space.js';
import { initSimServer } from '../opcua/server.js';
import type { SimMachine } from '../scenario/load.js';

/**
 * A scenario's OPC UA machines on one server: Objects/Sim/<area>/<line>/<machine>/<signal>,
 * NodeId `ns=2;s=Sim.<machine>.<signal>`. Variables report every change (minimum sampling
 * interval 0), stamped with the sample's plant time, so a subscription with sampling interval
 * 0 and a queue sees each sample even when the plant runs thousands of times faster than real time.
 */
export function opcuaNodeId(asset: string, signal: string): string {
  return `Sim.${asset}.${signal}`;
}

export interface OpcuaPlant {
  endpoint: string;
  set(asset: string, signal: string, value: number | boolean, ts: number, status?: string): void;
  stop(): Promise<void>;
}

export async function startOpcuaPlant(o: { port: number; pkiDir: string; machines: SimMachine[] }): Promise<OpcuaPlant> {
  const { server, ns, objects } = await initSimServer({ port: o.port, pkiDir: o.pkiDir, securityModes: ['None'] });
  const root = ns.addFolder(objects, { browseName: 'Sim', nodeId: 's=Sim' }) as UAObject;
  const folders = new Map<string, UAObject>();
  const folder = (path: string, name: string, parent: UAObject) => {
    let f = folders.get(path);
    if (!f) folders.set(path, (f = ns.addFolder(parent, { browseName: name, nodeId: `s=Sim.${path}` }) as UAObject));
    return f;
  };
  const vars = new Map<string, SimVariable>();
  for (const m of o.machines) {
    const [area, line] = m.entry.line.split('/') as [string, string];
    const lineFolder = folder(`${area}.${line}`, line, folder(area, area, root));
    const obj = ns.addObject({ organizedBy: lineFolder, browseName: m.entry.id.toUpperCase(), nodeId: `s=Sim.${m.entry.id}` });
    for (const s of m.signals) {
      const v = addVariable(ns, obj, `Sim.${m.entry.id}`, { name: s.id, boolean: s.kind === 'boolean', ...(s.unit ? { unit: s.unit } : {}), ...(s.range ? { range: [s.range.min, s.range.max] as [number, number] } : { range: [0, 1e9] as [number, number] }), minimumSamplingInterval: 0 });
      vars.set(`${m.entry.id}/${s.id}`, v);
    }
  }
  await server.start();
  return {
    endpoint: `opc.tcp://127.0.0.1:${o.port}`,
    set(asset, signal, value, ts, status) {
      const v = vars.get(`${asset}/${signal}`);
      if (!v) return;
      const code = status ? ((StatusCodes as unknown as Record<string, StatusCode>)[status] ?? StatusCodes.Bad) : StatusCodes.Good;
      setValue(v, value, new Date(ts), code);
    },
    stop: () => server.shutdown(0),
  };
}
