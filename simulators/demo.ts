import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';
import { ScaledClock } from '../src/core/clock.js';
import { GATEWAY_NODE_FLAGS } from '../gateway/node-flags.js';
import { ensureUsers } from '../gateway/users.js';
import { openStore } from '../src/store/db.js';
import { WebhookReceiver } from './cmms/webhook-receiver.js';
import { Narrator } from './demo-narrator.js';
import { DEFAULT_PORTS, parsePorts, writeDemoSite, type DemoPorts } from './demo-site.js';
import { startModbusSimulator } from './modbus/server.js';
import { startPlant } from './runtime/run.js';
import { loadScenario } from './scenario/load.js';

/**
 * `npm run demo`: the laptop plant in one command. The plant simulators (scenario demo-plant over
 * MQTT, Modbus TCP and OPC UA, plus the fixed Modbus device of compressor C-201) and a local CMMS
 * receiver start first, then the gateway on edge-config/demo.yaml (written into the data dir with
 * its ports), all on one clock running an hour of plant time per second. Prints in plain words what
 * happens and where to look; library noise goes to log files under <data dir>/logs.
 */
const HELP = `npm run demo -- [options]: the laptop plant, its gateway and a local CMMS receiver.

  --fresh             start afresh: delete the data dir first (alarms, orders, users, rules saved in the page)
  --for N             stop after N seconds
  --time-scale N      plant time runs N times the wall clock (default 3600: an hour a second)
  --data-dir DIR      where the demo keeps its data, logs, site config and rule files (default .data/demo);
                      the OPC UA certificates go beside it (DIR/../opcua-*-pki), so --fresh keeps them
  --ports LIST        the ports to listen on, as name=port,... (default ${Object.entries(DEFAULT_PORTS)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}):
                      api the dashboard and API, cmms the CMMS receiver, mqtt the gateway's broker,
                      compressor C-201's Modbus device, modbus the packing line's Modbus gateway, opcua the OPC UA server
  --help              this text
`;
const { values } = parseArgs({
  options: { fresh: { type: 'boolean' }, for: { type: 'string' }, 'time-scale': { type: 'string' }, 'data-dir': { type: 'string' }, ports: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = resolve(values['data-dir'] ?? join(root, '.data/demo'));
let PORTS: DemoPorts;
try {
  PORTS = parsePorts(values.ports);
} catch (e) {
  process.stdout.write(`${(e as Error).message}\n`);
  process.exit(2);
}
const logs = join(dataDir, 'logs');
if (values.fresh && existsSync(dataDir)) {
  // Only what the demo made: a folder given by mistake (a home folder) is not emptied.
  const mine = readdirSync(dataDir).length === 0 || existsSync(join(dataDir, 'gateway.db')) || existsSync(join(dataDir, 'demo.yaml'));
  if (!mine) {
    process.stdout.write(`--fresh deletes the data dir, and ${dataDir} does not look like the demo's (no gateway.db, no demo.yaml): not deleted. Give another --data-dir.\n`);
    process.exit(2);
  }
  rmSync(dataDir, { recursive: true, force: true });
}
mkdirSync(logs, { recursive: true });
// Beside the data dir: made once (they take seconds), kept by --fresh.
const clientPkiDir = join(dirname(dataDir), 'opcua-client-pki');
const serverPkiDir = join(dirname(dataDir), 'opcua-sim-pki');
const plantLog = createWriteStream(join(logs, 'plant.log'), { flags: 'a' });
const gatewayLog = createWriteStream(join(logs, 'gateway.log'), { flags: 'a' });
// node-opcua (the OPC UA server here) prints its certificate and Node-version notices with console.*:
// they belong in the plant's log, not in front of a newcomer.
for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) console[k] = (...a: unknown[]) => void plantLog.write(`${format(...a)}\n`);

// A restart (without --fresh) goes on from where plant time stopped, a day later, with the
// same story on new parts: the gateway's stored alarms, meters and orders never see time go back.
const clockFile = join(dataDir, 'plant-clock.json');
const resumeAt = existsSync(clockFile) ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { plantTime: number }).plantTime : undefined;
const scenario = loadScenario('demo-plant', resumeAt === undefined ? {} : { start: Math.ceil(resumeAt / 3_600_000) * 3_600_000 + 86_400_000 });
const scale = values['time-scale'] ? Number(values['time-scale']) : scenario.scale;
// Plant time stands at the scenario's start until the plant is up; then it reads the start at an
// anchor a few seconds ahead (running at wall speed until then) while the gateway starts. The
// gateway gets the same origin, scale and anchor.
const clock = new ScaledClock({ origin: scenario.start, scale, held: true });
const names = new Map(scenario.machines.map((m) => [m.entry.id, `${m.entry.name ?? m.entry.id}`]));
names.set('c-201', 'Air compressor C-201');
const plantHour = () => (clock.held ? undefined : (clock.now() - scenario.start) / 3_600_000);
const say = new Narrator(plantHour, names);

function inUse(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });
}

const busy = [];
for (const [what, port] of Object.entries(PORTS)) if (await inUse(port)) busy.push(`${port} (${what})`);
if (busy.length) {
  process.stdout.write(`The demo needs these ports, and they are in use: ${busy.join(', ')}. Is another demo or gateway running? Stop it and try again.\n`);
  process.exit(1);
}

process.stdout.write(
  [
    `cbm-gateway demo: a small plant of ${scenario.machines.length + 1} machines, simulated at ${scale === 3600 ? 'one hour of plant time per second' : `${scale}x real time`}.`,
    `  Dashboard:     http://127.0.0.1:${PORTS.api}/   (asset health, alarms, work orders; API under /api)`,
    `  CMMS:          work orders go to a local CMMS receiver, http://127.0.0.1:${PORTS.cmms}/work-orders; each one is printed here`,
    `  Logs:          ${logs} (gateway.log: all the gateway says; plant.log: the simulators, node-opcua's notices included)`,
    `  Rules:         ${join(dataDir, 'rules')} (copies of the shipped rules; the page's rule editor saves there, --fresh copies them again)`,
    `  Start afresh:  npm run demo -- --fresh      Stop: Ctrl-C      Options: npm run demo -- --help`,
    ...(resumeAt === undefined ? [] : [`  Resuming: plant time goes on a day after the last run stopped (${new Date(scenario.start).toISOString().slice(0, 16)}Z), the same story on new parts; --fresh starts from scratch.`]),
    '',
  ].join('\n'),
);

// 1. The CMMS receiver: it keeps its numbering across restarts.
const cmms = new WebhookReceiver({
  secret: process.env.CBM_WEBHOOK_SECRET ?? 'demo-secret',
  stateFile: join(dataDir, 'cmms-state.json'),
  onOrder: (o) => {
    const b = o.body as { title?: string; priority?: number; asset?: { id?: string } };
    say.say(`CMMS     ${o.externalId} received: P${b.priority} ${b.title}`, true);
  },
  onUpdate: (o, u) => {
    const b = u as { priority?: number; previousPriority?: number; escalated?: boolean; events?: { rule?: { name?: string } }[] };
    const what = (b.events ?? []).map((e) => e.rule?.name).filter(Boolean).join('; ');
    say.say(`CMMS     ${o.externalId} updated${b.escalated ? `: priority P${b.previousPriority} → P${b.priority}` : ''} (${what || 'another episode'})`, true);
  },
});
await cmms.start(PORTS.cmms);

// 2. The plant, before the gateway: its servers are there when the gateway first connects.
// Refreshed every 10 ms: 36 s of plant time, under its 1-minute poll.
const device = await startModbusSimulator({ port: PORTS.compressor, now: () => clock.now(), updateMs: 10 });
// Short rounds (8 ms, under 30 s of plant time) and no lead: samples never arrive ahead of the
// gateway's clock, so alarms raised on its ticks and on samples come in time order (a lead would
// let a chattering alarm look settled). The demo's rules tolerate delays: two hours (2 s) for
// staleness, thirty minutes (0.5 s) for chattering.
const plant = await startPlant({ scenario: { ...scenario, scale }, clock, periodMs: 8, leadMs: 0, mqttUrl: `mqtt://127.0.0.1:${PORTS.mqtt}`, modbus: { port: PORTS.modbus }, opcua: { port: PORTS.opcua, pkiDir: serverPkiDir } });
say.say(`plant    simulators up: MQTT publisher (to the gateway's broker on ${PORTS.mqtt}), Modbus TCP on ${PORTS.compressor} (C-201) and ${PORTS.modbus} (packing line), OPC UA on opc.tcp://127.0.0.1:${PORTS.opcua}`, true);

// 3. One user per role, so every part of the page can be tried (only those missing are added).
const DEMO_USERS = [
  { user: 'viewer', role: 'viewer', password: 'viewer-demo' },
  { user: 'technician', role: 'technician', password: 'technician-demo' },
  { user: 'engineer', role: 'engineer', password: 'engineer-demo' },
  { user: 'admin', role: 'admin', password: 'admin-demo' },
] as const;
{
  const db = openStore(join(dataDir, 'gateway.db'));
  try {
    await ensureUsers(db, DEMO_USERS, { by: 'demo' });
  } finally {
    db.close();
  }
}
process.stdout.write(
  `  Log in:        ${DEMO_USERS.map((u) => `${u.user} / ${u.password}`).join(',  ')}\n` +
    `                 (a viewer reads; a technician acknowledges and shelves; an engineer edits rules; an admin manages users)\n\n`,
);

// 4. The gateway, on the same clock. Its OPC UA client certificate is made once, ahead of time
// (it takes seconds, which would be hours of plant time).
const cli = join(root, 'dist/gateway/cli.js');
const site = writeDemoSite({ root, dataDir, ports: PORTS, clientPkiDir, scale });
if (!existsSync(clientPkiDir)) {
  const logFd = openSync(join(logs, 'gateway-setup.log'), 'a');
  say.say('gateway  making its OPC UA client certificate (once; a few seconds)');
  // Not spawnSync: the OPC UA server it talks to runs in this process.
  const browse = spawn(process.execPath, [cli, 'opcua', 'browse', `opc.tcp://127.0.0.1:${PORTS.opcua}`, '--depth', '0', '--config', site, '--source', 'plant-opcua'], { stdio: ['ignore', logFd, logFd] });
  await new Promise((r) => browse.once('exit', r));
}
// The models' code is compiled by V8 on first use: run it once before plant time starts, so the
// first rounds at 3,600x are not half a second late.
for (const u of plant.stream.units) for (let i = 0; i < 300; i++) u.sim.machine.read(scenario.start - 86_400_000 + i * 60_000);
// Time for the gateway to start and its sources (OPC UA the slowest) to connect.
const anchor = Date.now() + 12_000;
clock.release(anchor);
const gateway: ChildProcess = spawn(
  process.execPath,
  [...GATEWAY_NODE_FLAGS, cli, 'start', '--config', site, '--time-scale', String(scale), '--time-origin', new Date(scenario.start).toISOString(), '--time-anchor', String(anchor)],
  { env: { ...process.env, CBM_WEBHOOK_SECRET: process.env.CBM_WEBHOOK_SECRET ?? 'demo-secret' }, stdio: ['ignore', 'pipe', 'pipe'] },
);
let buf = '';
gateway.stdout!.on('data', (d: Buffer) => {
  gatewayLog.write(d);
  buf += d.toString();
  const lines = buf.split('\n');
  buf = lines.pop() ?? '';
  for (const l of lines) say.gatewayLine(l);
});
gateway.stderr!.on('data', (d: Buffer) => gatewayLog.write(d));
say.plan({ ...scenario, scale }, (anchor - Date.now()) / 1000);

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  writeFileSync(clockFile, JSON.stringify({ plantTime: clock.now() }));
  say.summary();
  gateway.kill('SIGTERM');
  await new Promise((r) => (gateway.exitCode !== null ? r(undefined) : gateway.once('exit', r)));
  await Promise.all([plant.stop(), device.stop(), cmms.stop()]);
  process.exit(code);
}
gateway.on('exit', (code, sig) => {
  if (stopping) return;
  say.say(`the gateway stopped (${code ?? sig}); see ${join(logs, 'gateway.log')}`);
  void shutdown(1);
});
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
if (values.for) setTimeout(() => void shutdown(0), Number(values.for) * 1000);
void plant.finished.then(() => say.say(`plant    the scenario's ${Math.round((scenario.end - scenario.start) / 3_600_000)} hours are over; the plant holds its last values. Ctrl-C to stop.`));
