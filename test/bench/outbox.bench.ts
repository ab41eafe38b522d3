import mqtt from 'mqtt';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import type { InfluxConfig } from '../../src/config/schema.js';
import { openStore } from '../../src/store/db.js';
import { InfluxWriter } from '../../src/timeseries/influx.js';
import { SpillStore } from '../../src/timeseries/spill.js';
import { Outbox } from '../../src/workorders/outbox.js';
import { order } from '../unit/workorders/fixtures.js';
import { bearingRule, brokerPort, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { canConnect, freePort, startVictoriaMetrics, tempDir, waitFor } from '../helpers/servers.js';
import { quick, report, type BenchRow } from './report.js';

/**
 * Method.
 * Enqueue: a file-backed store opened as the gateway opens it (WAL, synchronous=FULL); each
 * order is a full work-order JSON (~1 KB) with one delivery row. Orders are committed in
 * transactions of 1 (a commit per alarm transition, the worst case) and of 100 and 1,000 (the
 * pipeline commits once per ingest batch, so a burst of transitions shares one fsync). Rate =
 * orders committed / wall time. The pipeline also writes the alarm row in the same transaction;
 * that row is smaller than the order.
 * Storm: a gateway in this process with N pumps; an MQTT client publishes one over-limit bearing
 * temperature per pump (N messages, QoS 0) to the embedded broker. Rate = N / time until all N
 * orders are committed (the alarm rows and orders of one event-loop turn share a transaction).
 * Replay: a spill file filled with 5,000-line chunks of real line protocol, then an
 * InfluxWriter started on it (as after a restart) replays it in 20,000-line requests through
 * @influxdata/influxdb-client's transport to (a) a local HTTP sink in its own process that
 * reads and discards each body (204), (b) VictoriaMetrics. Rate = lines replayed / wall time
 * until the spill is empty.
 */
const rows: BenchRow[] = [];

function enqueueRate(perTx: number, total: number): number {
  const db = openStore(join(tempDir('bench-outbox'), 'gateway.db'));
  const outbox = new Outbox(db);
  const tmpl = order(0);
  tmpl.description = 'x'.repeat(600); // a realistic order body: evidence, safety notes, parts
  const tx = db.transaction((from: number, n: number) => {
    for (let i = from; i < from + n; i++) outbox.enqueue({ ...tmpl, id: `o-${i}`, idempotencyKey: `k-${i}`, rule: { ...tmpl.rule, episode: i } }, ['cmms'], Date.now());
  });
  const t0 = performance.now();
  for (let i = 0; i < total; i += perTx) tx(i, Math.min(perTx, total - i));
  const s = (performance.now() - t0) / 1000;
  db.close();
  return total / s;
}

for (const [perTx, total] of [
  [1, quick ? 300 : 2_000],
  [100, quick ? 10_000 : 50_000],
  [1000, quick ? 20_000 : 100_000],
] as const) {
  // One commit per order is the fsync-bound worst case, shown for reference; the goal applies to the pipeline's batched commits.
  rows.push({ metric: `enqueue, ${perTx} order(s) per commit`, value: enqueueRate(perTx, total), unit: 'orders/s', ...(perTx > 1 ? { goal: '≥ 5,000' } : {}), note: `${total} orders, synchronous=FULL` });
}

async function stormRate(n: number): Promise<number> {
  // Every pump's raise is an order here (the throughput of orders, not the flood guard's judgement).
  const site = pumpSite(n, { sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'p/{asset}/{tag}' }] }], workOrders: { flood: { count: 1_000_000_000 } } });
  const { file } = writeSite(site, [bearingRule]);
  const gw = await startGateway(file);
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort(gw, 'mq')}`);
  const t0 = performance.now();
  for (let i = 1; i <= n; i++) c.publish(`p/p-${i}/bearing_temp`, '95', { qos: 0 });
  await waitFor('all orders committed', () => (gw.view.ingest().workOrders >= n ? true : undefined), 120_000, 2);
  const s = (performance.now() - t0) / 1000;
  await c.endAsync();
  await gw.stop();
  return n / s;
}
const STORM = quick ? 3_000 : 10_000;
rows.push({ metric: 'alarm storm over MQTT, one message per order', value: await stormRate(STORM), unit: 'orders/s', goal: '≥ 5,000', note: `${STORM} pumps, embedded broker, end to end` });

const LINES = quick ? 200_000 : 1_000_000;
function fillSpill(file: string): void {
  const spill = new SpillStore(file, 4 * 1024 ** 3);
  const base = Date.now() - 6 * 3_600_000;
  for (let k = 0; k < LINES; k += 5000) {
    const chunk: string[] = [];
    for (let i = k; i < k + 5000; i++) chunk.push(`pump,asset=p-${i % 50},tag=bearing_temp value=${(40 + (i % 300) / 10).toFixed(1)} ${base + i}`);
    spill.append(chunk, Date.now());
  }
  spill.close();
}

async function replayRate(url: string): Promise<number> {
  const file = join(tempDir('bench-spill'), 'spill.db');
  fillSpill(file);
  const cfg: InfluxConfig = {
    enabled: true,
    url,
    token: '',
    org: 'bench',
    bucket: 'bench',
    measurement: 'class',
    batchSize: 5000,
    flushInterval: 1000,
    maxRetries: 0,
    maxBufferLines: 100_000,
    spill: { enabled: true, maxBytes: 4 * 1024 ** 3, replayBatch: 20_000 },
  };
  const spill = new SpillStore(file, cfg.spill.maxBytes);
  const t0 = performance.now();
  const w = new InfluxWriter(cfg, { log: silentLogger, spill });
  await waitFor('spill replayed', () => (w.stats().spill!.lines === 0 ? true : undefined), 600_000, 5);
  const s = (performance.now() - t0) / 1000;
  const replayed = w.stats().spill!.replayedTotal;
  await w.close();
  if (replayed !== LINES) throw new Error(`replayed ${replayed} of ${LINES}`);
  return LINES / s;
}

// (a) a local HTTP sink in its own process
const sinkPort = await freePort();
const sink = spawn(process.execPath, ['-e', `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.statusCode=204;s.end()})}).listen(${sinkPort},'127.0.0.1')`], { stdio: 'ignore' });
await waitFor('sink', () => canConnect(sinkPort), 10_000);
rows.push({ metric: 'spill replay → local HTTP sink', value: await replayRate(`http://127.0.0.1:${sinkPort}`), unit: 'samples/s', goal: '≥ 100,000', note: `${LINES} lines, 20,000 per request` });
sink.kill();

// (b) VictoriaMetrics, the real server the outage test uses
try {
  const vm = await startVictoriaMetrics();
  try {
    rows.push({ metric: 'spill replay → VictoriaMetrics', value: await replayRate(vm.url), unit: 'samples/s', goal: '≥ 100,000', note: `${LINES} lines, 20,000 per request` });
  } finally {
    await vm.destroy();
  }
} catch (e) {
  process.stderr.write(`VictoriaMetrics replay skipped: ${(e as Error).message}\n`);
}

report('outbox', rows);
