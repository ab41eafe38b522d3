import { modbusLayout } from '../runtime/modbus.js';
import { opcuaNodeId } from '../runtime/opcua.js';
import type { Scenario, SimMachine } from './load.js';

/**
 * The gateway site config that reads a scenario's plant: its hierarchy, one asset per machine
 * (class = model, ISO 10816-3 group and foundation as attributes, a tag per served signal,
 * run-hour and start meters from `running`), the sources for the protocols it uses, the
 * scenario's rules. A plain object, written as YAML by the `sim` command and used as is by tests.
 */
export interface SiteOptions {
  /** Gateway data folder (SQLite), absolute or relative to where the config is written. */
  dataDir: string;
  /** Embedded broker port for the MQTT machines (the sim publishes to it). */
  mqttPort?: number;
  modbus?: { host?: string; port: number };
  opcuaEndpoint?: string;
  /** The gateway's OPC UA client PKI folder (absolute, or relative to the data dir); share one across runs, a certificate takes seconds to make. */
  opcuaPki?: string;
  /** A webhook CMMS to send orders to; none: orders stay in the outbox. */
  webhook?: { url: string; secret?: string };
  /** API port; false: no API. */
  apiPort?: number | false;
  logLevel?: string;
}

const title = (id: string) => id.replace(/[-_]/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

function asset(m: SimMachine): Record<string, unknown> {
  const longest = Math.max(...m.interval.values());
  const hasRunning = m.signals.some((s) => s.id === 'running');
  return {
    id: m.entry.id,
    name: m.entry.name ?? `${title(m.entry.model)} ${m.entry.id.toUpperCase()}`,
    class: m.entry.model,
    line: m.entry.line,
    criticality: m.entry.criticality,
    attributes: { machineGroup: m.machine.iso.group, foundation: m.machine.iso.foundation, simulated: true },
    tags: m.signals.map((s) => ({ id: s.id, name: s.name, ...(s.unit ? { unit: s.unit } : {}), ...(s.range ? { range: s.range } : {}) })),
    meters: hasRunning
      ? [
          // A sample gap longer than three intervals (at least 10 minutes) is an outage, not run time.
          { id: 'run_hours', type: 'runHours', tag: 'running', maxGap: Math.max(600_000, 3 * longest) },
          { id: 'starts', type: 'starts', tag: 'running' },
        ]
      : [],
  };
}

export function siteConfig(s: Scenario, o: SiteOptions): Record<string, unknown> {
  const lines = new Map<string, Set<string>>();
  for (const m of s.machines) {
    const [area, line] = m.entry.line.split('/') as [string, string];
    lines.set(area, (lines.get(area) ?? new Set()).add(line));
  }
  const of = (p: string) => s.machines.filter((m) => m.protocol === p);
  const sources: Record<string, unknown>[] = [];
  if (of('mqtt-json').length + of('mqtt-bare').length) {
    sources.push({
      id: 'sim-mqtt',
      type: 'mqtt',
      // The simulated devices publish without credentials: a simulated plant on loopback.
      broker: { enabled: true, host: '127.0.0.1', port: o.mqttPort ?? 1883, allowAnonymous: true },
      qos: 0,
      topics: [
        { topic: 'sim/{asset}/telemetry', format: 'json' },
        { topic: 'sim/{asset}/{tag}', format: 'auto' },
      ],
    });
  }
  if (of('modbus').length) {
    sources.push({
      id: 'sim-modbus',
      type: 'modbus',
      devices: of('modbus').map((m, i) => ({
        id: `${m.entry.id}-plc`,
        host: o.modbus?.host ?? '127.0.0.1',
        port: o.modbus?.port ?? 5020,
        unitId: i + 1,
        asset: m.entry.id,
        // Polled at the sensors' rate, in plant time (the gateway's clock runs as fast as the plant's).
        pollInterval: Math.min(...m.interval.values()),
        timeout: 1000,
        reconnect: { initialDelay: 1000, maxDelay: 10_000 },
        // The engineer's config says ABCD for every float: a device holding one word-swapped is the fault.
        points: modbusLayout(m).map((p) =>
          p.table === 'coil' ? { tag: p.signal, function: 'coil', address: p.address } : { tag: p.signal, function: 'holding', address: p.address, type: p.type, order: 'ABCD', ...(p.scale ? { scale: p.scale } : {}) },
        ),
      })),
    });
  }
  if (of('opcua').length) {
    // Wall-clock protocol timing: the server samples every change (interval 0) and queues them.
    // The gateway judges a silent subscription by its own (plant) clock, so the keep-alive count
    // grows with the time scale (1 s of wall-clock silence tolerated), and the session timeout
    // with it (node-opcua refuses a keep-alive period longer than the session timeout; servers
    // cap that at an hour or so, so OPC UA runs up to about 3,600x).
    const publishing = 50;
    const keepAlive = Math.max(10, Math.ceil((s.scale * 1000) / (2 * publishing)));
    sources.push({
      id: 'sim-opcua',
      type: 'opcua',
      endpoint: o.opcuaEndpoint ?? 'opc.tcp://127.0.0.1:4840',
      securityMode: 'None',
      securityPolicy: 'None',
      ...(o.opcuaPki ? { pkiDir: o.opcuaPki } : {}),
      maxKeepAliveCount: keepAlive,
      sessionTimeout: Math.max(60_000, 2 * keepAlive * publishing),
      defaults: { samplingInterval: 0, publishingInterval: publishing, queueSize: 1000 },
      items: of('opcua').flatMap((m) => m.signals.map((sig) => ({ asset: m.entry.id, tag: sig.id, nodeId: `ns=2;s=${opcuaNodeId(m.entry.id, sig.id)}` }))),
    });
  }
  return {
    // Sample times run at the time scale: a few seconds of wall-clock jitter between the plant and the
    // gateway are days of plant time, beyond the default 1-day window for samples dated ahead.
    gateway: { id: `sim-${s.def.name}`, dataDir: o.dataDir, logLevel: o.logLevel ?? 'warn', watchRules: false, timestamps: { maxAhead: Math.max(86_400_000, s.scale * 10_000), maxBehind: Math.max(365 * 86_400_000, s.scale * 10_000) } },
    site: { id: s.def.name, name: `Simulated plant: ${s.def.name}` },
    areas: [...lines].map(([area, ls]) => ({ id: area, name: title(area), lines: [...ls].map((l) => ({ id: l, name: title(l) })) })),
    assets: s.machines.map(asset),
    sources,
    rules: s.rules,
    ...(o.webhook ? { workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: o.webhook.url, ...(o.webhook.secret ? { secret: o.webhook.secret } : {}) }], retry: { initialDelay: 1000, maxDelay: 30_000 } } } : {}),
    api: o.apiPort === false ? { enabled: false } : { host: '127.0.0.1', port: o.apiPort ?? 8080 },
  };
}
