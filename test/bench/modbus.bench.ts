import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { modbusSource, type ModbusSourceInput } from '../../src/config/sources/modbus.js';
import { ModbusSource } from '../../src/sources/modbus/source.js';
import { canConnect, freePort, tempDir, waitFor } from '../helpers/servers.js';
import { quick, report, type BenchRow } from './report.js';

/**
 * Points per second the Modbus source polls from our simulator (modbus-serial's ServerTCP in a
 * child process, so master and device each get a core). Every device polls back to back
 * (pollInterval 1 ms); each point is a uint16 (or float32) in the simulator's bench area
 * (holding 1000…), decoded and handed to `ingest` as a Sample. Points/s = Good samples
 * produced ÷ wall time, after a warm-up. Coalescing on: 125 registers per request; off: one
 * request per point. ServerTCP answers each request after a setTimeout(0) (≥ 1 ms), so the
 * request rate, not decoding, bounds throughput; several devices overlap their round trips.
 * The same single-device cases run against pymodbus (Python, asyncio) as an independent device.
 */
const here = import.meta.dirname;
const warmMs = quick ? 300 : 1500;
const runMs = quick ? 1200 : 6000;

async function startSimulator(ports: number[]): Promise<() => void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, '../../simulators/modbus/main.ts'), '--port', ports.join(','), '--update', '1000'], { stdio: 'ignore' });
  for (const p of ports) await waitFor(`simulator on ${p}`, () => canConnect(p), 20_000, 50);
  return () => child.kill('SIGTERM');
}

async function startPymodbus(port: number): Promise<() => void> {
  const spec = `${tempDir('bench-pymodbus')}/spec.json`;
  writeFileSync(spec, JSON.stringify({ registers: Array.from({ length: 2000 }, (_, i) => ({ table: 'hr', address: 1000 + i, type: 'uint16', value: 1000 + i })) }));
  const child = spawn('/usr/bin/python3', [join(here, '../integration/fixtures/pymodbus-device.py'), String(port), spec], { stdio: 'ignore' });
  await waitFor('pymodbus', () => canConnect(port), 20_000, 50);
  return () => child.kill('SIGTERM');
}

async function measure(ports: number[], pointsPerDevice: number, type: 'uint16' | 'float32', coalesce: boolean): Promise<{ pps: number; rps: number }> {
  const width = type === 'float32' ? 2 : 1;
  const cfg: ModbusSourceInput = {
    id: 'bench',
    type: 'modbus',
    devices: ports.map((port, d) => ({
      id: `dev-${d}`,
      host: '127.0.0.1',
      port,
      asset: `bench-${d}`, // one asset per device: two points may not feed one tag
      pollInterval: 1,
      timeout: 2000,
      coalesce: { enabled: coalesce },
      points: Array.from({ length: pointsPerDevice }, (_, i) => ({ tag: `t${i}`, function: 'holding' as const, address: 1000 + i * width, type })),
    })),
  };
  const src = new ModbusSource(modbusSource.parse(cfg));
  const ctl = new AbortController();
  await src.start({ ingest: () => undefined, whenDurable: (cb) => cb(), status: () => undefined, clock: systemClock, log: silentLogger, signal: ctl.signal, dataDir: tempDir('bench') });
  await new Promise((r) => setTimeout(r, warmMs));
  const c0 = src.counters();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, runMs));
  const c1 = src.counters();
  const s = (performance.now() - t0) / 1000;
  ctl.abort();
  await src.stop();
  if ((c1.bad ?? 0) > 0) throw new Error(`bench read Bad samples: ${JSON.stringify(c1)}`);
  return { pps: ((c1.samples ?? 0) - (c0.samples ?? 0)) / s, rps: ((c1.requests ?? 0) - (c0.requests ?? 0)) / s };
}

const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
const stop = await startSimulator(ports);
const rows: BenchRow[] = [];
try {
  const cases: { name: string; devices: number; points: number; type: 'uint16' | 'float32'; coalesce: boolean }[] = [
    { name: 'coalesced, 1 device × 2000 uint16', devices: 1, points: 2000, type: 'uint16', coalesce: true },
    { name: 'coalesced, 4 devices × 2000 uint16', devices: 4, points: 2000, type: 'uint16', coalesce: true },
    { name: 'coalesced, 4 devices × 1000 float32', devices: 4, points: 1000, type: 'float32', coalesce: true },
    { name: 'not coalesced, 1 device × 200 uint16', devices: 1, points: 200, type: 'uint16', coalesce: false },
    { name: 'not coalesced, 4 devices × 200 uint16', devices: 4, points: 200, type: 'uint16', coalesce: false },
  ];
  for (const c of cases) {
    const r = await measure(ports.slice(0, c.devices), c.points, c.type, c.coalesce);
    rows.push({ metric: `points/s ${c.name}`, value: r.pps, unit: 'points/s', goal: c.coalesce && c.devices === 4 ? '50,000' : undefined, note: `${Math.round(r.rps).toLocaleString('en-US')} requests/s` });
  }
} finally {
  stop();
}
const pyPort = await freePort();
const stopPy = await startPymodbus(pyPort);
try {
  for (const coalesce of [true, false]) {
    const r = await measure([pyPort], coalesce ? 2000 : 200, 'uint16', coalesce);
    rows.push({ metric: `points/s ${coalesce ? 'coalesced' : 'not coalesced'}, 1 device × ${coalesce ? 2000 : 200} uint16 (pymodbus)`, value: r.pps, unit: 'points/s', note: `${Math.round(r.rps).toLocaleString('en-US')} requests/s` });
  }
} finally {
  stopPy();
}
rows.push({ metric: 'cores', value: cpus().length, unit: 'cores', note: 'master and simulator in separate processes on this machine' });
report('modbus', rows);
