import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ScaledClock } from '../src/core/clock.js';
import { formatSpan } from './scenario/time.js';
import { listScenarios, loadScenario } from './scenario/load.js';
import { ScenarioError } from './scenario/problems.js';
import { siteConfig } from './scenario/site.js';
import { startLoad, loadSiteConfig } from './runtime/load.js';
import { startPlant } from './runtime/run.js';
import { startModbusSimulator } from './modbus/server.js';

/**
 * `npm run sim -- --scenario NAME`: serves a scenario's plant over MQTT (JSON and bare values),
 * Modbus TCP and OPC UA at once, writes the gateway site config that reads it and says how to
 * start the gateway on the same accelerated clock. `--record FILE` writes every sample as NDJSON
 * for `cbm-gateway rules test --samples`. `--load` runs the load mode instead. See docs/simulators.md.
 */
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', short: 's' },
    list: { type: 'boolean' },
    record: { type: 'string' },
    site: { type: 'string' },
    mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    'modbus-port': { type: 'string', default: '5020' },
    'opcua-port': { type: 'string', default: '4840' },
    pki: { type: 'string', default: '.data/opcua-sim-pki' },
    webhook: { type: 'string' },
    'time-scale': { type: 'string' },
    'start-in': { type: 'string', default: '15' },
    'time-anchor': { type: 'string' },
    'compressor-port': { type: 'string' },
    load: { type: 'boolean' },
    machines: { type: 'string', default: '100' },
    tags: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1' },
    protocol: { type: 'string', default: 'mqtt' },
    duration: { type: 'string', default: '30' },
    help: { type: 'boolean', short: 'h' },
  },
});
const out = (l: string) => process.stdout.write(`${l}\n`);
const usage = `usage: npm run sim -- --scenario NAME [--record FILE] [--site FILE] [--mqtt URL] [--modbus-port N] [--opcua-port N]
                          [--time-scale N] [--start-in SECONDS | --time-anchor EPOCH_MS] [--webhook URL]
       npm run sim -- --list
       npm run sim -- --load --machines N --tags M --rate R --protocol mqtt|modbus|opcua [--duration SECONDS] [--site FILE]`;

async function scenario(name: string): Promise<void> {
  const s = loadScenario(name);
  const scale = values['time-scale'] ? Number(values['time-scale']) : s.scale;
  const anchor = values['time-anchor'] ? Number(values['time-anchor']) : Date.now() + Number(values['start-in']) * 1000;
  const clock = new ScaledClock({ origin: s.start, scale, anchor });
  const site = values.site === 'none' ? undefined : resolve(values.site ?? `.data/sim/${s.def.name}/site.yaml`);
  const modbusPort = Number(values['modbus-port']);
  const opcuaPort = Number(values['opcua-port']);
  if (site) mkdirSync(dirname(site), { recursive: true });
  if (site)
    writeFileSync(
    site,
    `# Written by \`npm run sim -- --scenario ${s.def.name}\`: the gateway site that reads this simulated plant.\n${stringify(
      siteConfig({ ...s, scale }, { dataDir: 'data', mqttPort: Number(new URL(values.mqtt).port || 1883), modbus: { port: modbusPort }, opcuaEndpoint: `opc.tcp://127.0.0.1:${opcuaPort}`, ...(values.webhook ? { webhook: { url: values.webhook } } : {}), logLevel: 'info' }),
    )}`,
  );
  // The fixed Modbus test device (compressor C-201, README § Modbus) on the plant's clock, for the demo.
  const device = values['compressor-port'] ? await startModbusSimulator({ port: Number(values['compressor-port']), now: () => clock.now(), updateMs: 10 }) : undefined;
  const plant = await startPlant({ scenario: { ...s, scale }, clock, mqttUrl: values.mqtt, modbus: { port: modbusPort }, opcua: { port: opcuaPort, pkiDir: values.pki }, ...(values.record ? { record: resolve(values.record) } : {}) });
  out(`scenario ${s.def.name}: ${s.def.description}`);
  out(`  ${s.machines.length} machines (${[...new Set(s.machines.map((m) => m.protocol))].join(', ')}), ${formatSpan(s.def.duration)} of plant time at ${scale}x (${Math.round(s.def.duration / scale / 1000)} s of wall time)`);
  for (const t of s.truth) {
    out(`  ${t.asset}: ${t.mode} from +${formatSpan(t.start - s.start)}, failure at +${formatSpan(t.failureAt - s.start)}`);
    for (const c of t.crossings) out(`    ${c.label} (${c.signal} > ${c.limit}): ${c.at === undefined ? 'not within the run' : `+${formatSpan(c.at - s.start)}`}`);
  }
  if (device) out(`  fixed Modbus device (compressor C-201) on port ${device.port}`);
  out(`  servers: MQTT to ${values.mqtt}, Modbus TCP on ${modbusPort}, OPC UA on opc.tcp://127.0.0.1:${opcuaPort} (those the scenario uses)`);
  if (site) out(`  site config for the gateway: ${site}`);
  out(`  start the gateway on the same clock:  npx cbm-gateway start --config ${site ?? 'SITE'} --time-scale ${scale} --time-origin ${new Date(s.start).toISOString()} --time-anchor ${anchor}`);
  out(`  plant time starts ${anchor > Date.now() ? `in ${Math.round((anchor - Date.now()) / 1000)} s` : 'now'}${values.record ? `; recording to ${resolve(values.record)}` : ''}`);
  const stop = () => void Promise.all([plant.stop(), device?.stop()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await plant.finished;
  out(`scenario ${s.def.name} finished: ${plant.stats.samples} samples; serving the last values until stopped (Ctrl-C)`);
}

async function load(): Promise<void> {
  const protocol = values.protocol as 'mqtt' | 'modbus' | 'opcua';
  if (!['mqtt', 'modbus', 'opcua'].includes(protocol)) throw new Error(`--protocol: expected mqtt, modbus or opcua, got ${protocol}`);
  const o = { protocol, machines: Number(values.machines), tags: Number(values.tags), rate: Number(values.rate), mqttUrl: values.mqtt, port: Number(protocol === 'modbus' ? values['modbus-port'] : values['opcua-port']), pkiDir: values.pki };
  if (values.site) {
    mkdirSync(dirname(resolve(values.site)), { recursive: true });
    writeFileSync(resolve(values.site), stringify(loadSiteConfig({ ...o, dataDir: 'data' })));
    out(`site config for the gateway: ${resolve(values.site)}`);
  }
  const run = await startLoad({ ...o, report: out });
  out(`load: ${o.machines} machines x ${o.tags} tags at ${o.rate} Hz over ${protocol}: ${run.target} tag updates/s asked`);
  const finish = async () => {
    const r = await run.stop();
    out(`load: sustained ${r.sustained} tag updates/s of ${r.target} asked (${((100 * r.sustained) / r.target).toFixed(1)} %) over ${r.seconds} s`);
    process.exit(0);
  };
  process.on('SIGINT', () => void finish());
  setTimeout(() => void finish(), Number(values.duration) * 1000);
}

try {
  if (values.help) out(usage);
  else if (values.list) for (const n of listScenarios()) out(`${n}: ${loadScenario(n).def.description}`);
  else if (values.load) await load();
  else if (values.scenario) await scenario(values.scenario);
  else {
    out(usage);
    process.exitCode = 2;
  }
} catch (e) {
  process.stderr.write(`${e instanceof ScenarioError ? e.message : `sim: ${(e as Error).message}`}\n`);
  process.exit(1);
}
