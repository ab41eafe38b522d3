import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { opcuaSource } from '../../src/config/sources/opcua.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { OpcuaSource } from '../../src/sources/opcua/source.js';
import { opcuaPki } from '../helpers/opcua.js';
import { freePort, tempDir, waitFor } from '../helpers/servers.js';
import { quick, report } from './report.js';

/**
 * Monitored-item updates per second received by the OPC UA source from the simulator.
 * Method: the simulator runs in its own process (node-opcua server, the other core) with
 * ITEMS Double variables, every one changing every INTERVAL ms; the source monitors all of them
 * (sampling = publishing = INTERVAL, queue 1, one subscription) and hands samples to a counting
 * ingest (no pipeline: this measures the source). After a warm-up, updates are counted over
 * WINDOW seconds. Offered load = ITEMS × 1000 / INTERVAL.
 */
const here = dirname(fileURLToPath(import.meta.url));
const ITEMS = Number(process.env.OPCUA_BENCH_ITEMS ?? 5000);
const INTERVAL = Number(process.env.OPCUA_BENCH_INTERVAL ?? 200);
const WINDOW_S = quick ? 3 : 15;

const port = await freePort();
const server = spawn(process.execPath, ['--import', 'tsx', join(here, '../../simulators/opcua/main.ts'), '--port', String(port), '--bench', String(ITEMS), '--interval', String(INTERVAL), '--pki', opcuaPki('server-bench')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let serverOut = '';
server.stdout!.on('data', (d: Buffer) => (serverOut += d.toString()));
await waitFor('simulator', () => serverOut.includes('plant simulator on'), 60_000, 100);

const cfg = opcuaSource.parse({
  id: 'bench',
  type: 'opcua',
  endpoint: `opc.tcp://127.0.0.1:${port}`,
  pkiDir: opcuaPki('client-bench'),
  defaults: { samplingInterval: INTERVAL, publishingInterval: INTERVAL, queueSize: 1 },
  items: Array.from({ length: ITEMS }, (_, i) => ({ asset: 'bench', tag: `i${i}`, nodeId: `ns=2;s=Bench.Item${String(i).padStart(4, '0')}` })),
});
let received = 0;
let good = 0;
const src = new OpcuaSource(cfg);
const ctl = new AbortController();
await src.start({
  whenDurable: (cb) => cb(),
  ingest: (batch) => {
    received += batch.length;
    for (const s of batch) if (s.quality === 'Good') good++;
  },
  status: () => undefined,
  clock: systemClock,
  log: silentLogger,
  signal: ctl.signal,
  dataDir: tempDir('opcua-bench'),
});
await waitFor('all items reporting', () => received >= ITEMS * 3, 120_000, 100);
await new Promise((r) => setTimeout(r, 2000)); // warm-up: JIT, steady publish cycle

const r0 = received;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
const dt = (performance.now() - t0) / 1000;
const updates = (received - r0) / dt;
const cpu = process.cpuUsage(cpu0);
const cpuPct = ((cpu.user + cpu.system) / 1e6 / dt) * 100;

await src.stop();
server.kill('SIGTERM');

report('opcua', [
  { metric: 'monitored-item updates received', value: updates, unit: 'updates/s', goal: '20,000/s', note: `${ITEMS} items × ${1000 / INTERVAL}/s offered = ${(ITEMS * 1000) / INTERVAL}/s; ${WINDOW_S} s window; ${cpus().length} cores` },
  { metric: 'gateway process CPU while receiving', value: cpuPct, unit: '% of one core' },
  { metric: 'share of offered updates received', value: (updates / ((ITEMS * 1000) / INTERVAL)) * 100, unit: '%' },
]);
if (good === 0) process.exitCode = 1;
process.exit();
