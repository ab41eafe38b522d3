import { mkdirSync } from 'node:fs';
import { MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCodes, type Namespace, type StatusCode, type UAObject } from 'node-opcua';
import { demoFan, demoPlant, type DeviceReader } from '../plant/model.js';
import { addVariable, setValue, type SimVariable } from './address-space.js';

export interface OpcuaSimOptions {
  port: number;
  /** Server PKI (own certificate, trusted clients). Reuse one across runs: making a certificate takes seconds. */
  pkiDir: string;
  /** Model refresh period, ms. */
  interval?: number;
  /** Allowed users (username → password); anonymous is allowed unless `allowAnonymous` is false. */
  users?: Record<string, string>;
  allowAnonymous?: boolean;
  /** Security modes offered; default all three, with None and Basic256Sha256 policies. */
  securityModes?: ('None' | 'Sign' | 'SignAndEncrypt')[];
  /** Adds `Bench/Item0000…` Double variables, all updated every `interval`: load for the benchmark. */
  benchItems?: number;
  pumps?: DeviceReader[];
  fans?: DeviceReader[];
}

export interface OpcuaSim {
  endpoint: string;
  port: number;
  /** The server's application certificate (PEM), for an engineer or a test to trust explicitly. */
  certificateFile: string;
  /** Every variable by its string NodeId (`DemoPlant.Utilities.CoolingWater.P-101.vibration`), in namespace 1. */
  variables: Map<string, SimVariable>;
  /** Sets a variable as a device would: value, status and source timestamp. */
  set(nodeId: string, value: number | boolean, opts?: { status?: StatusCode; at?: Date }): void;
  /** Adds a Double `DemoPlant.Simulator.<name>` at run time, as a PLC download adds a tag. */
  addVariable(name: string): void;
  /**
   * Forgets every session and its subscriptions while the TCP connections stay up, as a server
   * does after a redundancy switch-over or a session timeout it decided on. Returns how many.
   */
  dropSessions(): number;
  /** Stops the model clock (tests drive the values by hand). */
  pause(): void;
  stop(): Promise<void>;
}

export const SIM_NAMESPACE = 'urn:cbm-gateway:plant-simulator';

const PUMP_VARS = [
  { name: 'bearing_temp', unit: 'degC', range: [-40, 200] as [number, number] },
  { name: 'vibration', unit: 'mm/s', range: [0, 100] as [number, number] },
  { name: 'motor_current', unit: 'A', range: [0, 400] as [number, number] },
  { name: 'flow', unit: 'm3/h', range: [0, 500] as [number, number] },
  { name: 'running', boolean: true },
];
const FAN_VARS = [
  { name: 'speed', unit: 'rpm', range: [0, 1800] as [number, number] },
  { name: 'vibration', unit: 'mm/s', range: [0, 100] as [number, number] },
  { name: 'motor_temp', unit: 'degC', range: [-40, 200] as [number, number] },
  { name: 'running', boolean: true },
];

/** Server settings shared by the fixed demo server and the scenario server. */
export type SimServerOptions = Pick<OpcuaSimOptions, 'port' | 'pkiDir' | 'users' | 'allowAnonymous' | 'securityModes'>;

/**
 * An initialised (not yet started) node-opcua server with the simulator's namespace: the PKI,
 * security modes, users and the loopback endpoint every simulated server shares.
 */
export async function initSimServer(opts: SimServerOptions): Promise<{ server: OPCUAServer; ns: Namespace; objects: UAObject }> {
  mkdirSync(opts.pkiDir, { recursive: true });
  const cm = new OPCUACertificateManager({ rootFolder: opts.pkiDir, automaticallyAcceptUnknownCertificate: true, name: 'sim' });
  await cm.initialize();
  const modes = (opts.securityModes ?? ['None', 'Sign', 'SignAndEncrypt']).map((m) => MessageSecurityMode[m]);
  const users = opts.users ?? {};
  const server = new OPCUAServer({
    port: opts.port,
    // Advertise the loopback address too, so clients of opc.tcp://127.0.0.1 find their endpoint.
    alternateHostname: ['127.0.0.1'],
    buildInfo: { productName: 'cbm-gateway plant simulator', manufacturerName: 'cbm-gateway' },
    serverCertificateManager: cm,
    // A simulator: it accepts every client certificate. A real server would not (Part 2 §4.10).
    securityModes: modes,
    securityPolicies: modes.includes(MessageSecurityMode.None) && modes.length === 1 ? [SecurityPolicy.None] : [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: opts.allowAnonymous ?? true,
    userManager: { isValidUser: (u: string, p: string) => users[u] !== undefined && users[u] === p },
    serverCapabilities: { maxSessions: 50 },
  });
  await server.initialize();
  const as = server.engine.addressSpace!;
  return { server, ns: as.registerNamespace(SIM_NAMESPACE), objects: as.rootFolder.objects };
}

/**
 * The demo plant over OPC UA (node-opcua server), laid out as an engineer would find it in a
 * real plant: Objects/DemoPlant/Utilities/{CoolingWater/P-101, P-102; CoolingTower/F-301}/<tag>,
 * plus DemoPlant/Simulator/Setpoint (a still Double tests set by hand). Values come from the same
 * deterministic models as the scenario plants, stamped with the simulation's source time.
 */
export async function startOpcuaSimulator(opts: OpcuaSimOptions): Promise<OpcuaSim> {
  const { server, ns, objects } = await initSimServer(opts);
  const folder = (name: string, parent: UAObject) => ns.addFolder(parent, { browseName: name, nodeId: `s=${name}` }) as UAObject;
  const plant = ns.addFolder(objects, { browseName: 'DemoPlant', nodeId: 's=DemoPlant' }) as UAObject;
  const utilities = ns.addFolder(plant, { browseName: 'Utilities', nodeId: 's=DemoPlant.Utilities' }) as UAObject;
  const variables = new Map<string, SimVariable>();
  const add = (v: SimVariable) => variables.set(v.nodeId, v);

  const machines: { read: (t: number) => Record<string, number | boolean>; vars: SimVariable[] }[] = [];
  const addMachine = (area: UAObject, prefix: string, name: string, specs: typeof PUMP_VARS | typeof FAN_VARS, read: (t: number) => object) => {
    const obj = ns.addObject({ organizedBy: area, browseName: name, nodeId: `s=${prefix}.${name}` });
    const vars = specs.map((s) => addVariable(ns, obj, `${prefix}.${name}`, s));
    vars.forEach(add);
    machines.push({ read: read as (t: number) => Record<string, number | boolean>, vars });
  };
  const cw = ns.addFolder(utilities, { browseName: 'CoolingWater', nodeId: 's=DemoPlant.Utilities.CoolingWater' }) as UAObject;
  for (const p of opts.pumps ?? demoPlant()) addMachine(cw, 'DemoPlant.Utilities.CoolingWater', p.id.toUpperCase(), PUMP_VARS, (t) => p.read(t));
  const ct = ns.addFolder(utilities, { browseName: 'CoolingTower', nodeId: 's=DemoPlant.Utilities.CoolingTower' }) as UAObject;
  for (const f of opts.fans ?? [demoFan()]) addMachine(ct, 'DemoPlant.Utilities.CoolingTower', f.id.toUpperCase(), FAN_VARS, (t) => f.read(t));

  const sim = ns.addFolder(plant, { browseName: 'Simulator', nodeId: 's=DemoPlant.Simulator' }) as UAObject;
  add(addVariable(ns, sim, 'DemoPlant.Simulator', { name: 'Setpoint', unit: '%', range: [0, 100] }));

  const bench: SimVariable[] = [];
  if (opts.benchItems) {
    const b = folder('Bench', plant);
    for (let i = 0; i < opts.benchItems; i++) bench.push(addVariable(ns, b, 'Bench', { name: `Item${String(i).padStart(4, '0')}`, range: [0, 1e9] }));
    bench.forEach(add);
  }

  const t0 = Date.now();
  let tick = 0;
  const refresh = () => {
    const now = new Date();
    const t = (now.getTime() - t0) / 1000;
    for (const m of machines) {
      const r = m.read(t);
      for (const v of m.vars) {
        const key = v.nodeId.slice(v.nodeId.lastIndexOf('.') + 1);
        const val = r[key];
        if (val !== undefined) setValue(v, val, now);
      }
    }
    tick++;
    for (let i = 0; i < bench.length; i++) setValue(bench[i]!, tick * 1000 + i, now);
  };
  refresh();
  let timer: NodeJS.Timeout | undefined = setInterval(refresh, opts.interval ?? 1000);
  await server.start();
  return {
    endpoint: `opc.tcp://127.0.0.1:${opts.port}`,
    port: opts.port,
    certificateFile: server.certificateFile,
    variables,
    set(nodeId, value, o = {}) {
      const v = variables.get(nodeId);
      if (!v) throw new Error(`no simulated variable ${nodeId}`);
      setValue(v, value, o.at ?? new Date(), o.status ?? StatusCodes.Good);
    },
    addVariable(name) {
      add(addVariable(ns, sim, 'DemoPlant.Simulator', { name, range: [0, 100] }));
    },
    dropSessions() {
      const sessions = server.engine.getSessions();
      for (const s of sessions) server.engine.closeSession(s.authenticationToken, true, 'Forcing');
      return sessions.length;
    },
    pause() {
      clearInterval(timer);
      timer = undefined;
    },
    async stop() {
      if (timer) clearInterval(timer);
      await server.shutdown(0);
    },
  };
}
