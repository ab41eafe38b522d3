import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Gateway } from '../../gateway/gateway.js';
import { ScaledClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { readSamples } from '../../src/rules/samples-file.js';
import { backtest } from '../../src/replay/backtest.js';
import { compareRuns, judge, type ActualOrder, type Verdict } from '../../simulators/scenario/expect.js';
import { loadScenario, type Scenario } from '../../simulators/scenario/load.js';
import { siteConfig } from '../../simulators/scenario/site.js';
import { startPlant } from '../../simulators/runtime/run.js';
import { opcuaPki } from '../helpers/opcua.js';
import { freePort, tempDir, waitFor } from '../helpers/servers.js';

export interface ScenarioRun {
  scenario: Scenario;
  live: ActualOrder[];
  verdict: Verdict;
  /** Orders from replaying the recording through backtest(), and how they differ from the live run. */
  replayed: ActualOrder[];
  replayDiffs: string[];
  samples: number;
  wallMs: number;
}

/**
 * Runs a scenario end to end: the plant's servers first, then the gateway in-process on the same
 * ScaledClock (held until every source is connected), until the scenario's end plus a tail; then
 * judges the orders against the scenario's expectations and replays the recording through
 * `backtest()` (what `cbm-gateway rules test` runs) to compare.
 */
export async function runScenario(name: string): Promise<ScenarioRun> {
  const t0 = performance.now();
  const s = loadScenario(name);
  const dir = tempDir(`scenario-${name}`);
  const [mqttPort, modbusPort, opcuaPort] = [await freePort(), await freePort(), await freePort()];
  const clock = new ScaledClock({ origin: s.start, scale: s.scale, held: true });
  const record = join(dir, 'samples.ndjson');
  const plant = await startPlant({ scenario: s, clock, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, modbus: { port: modbusPort }, opcua: { port: opcuaPort, pkiDir: opcuaPki('scenario-server') }, record });
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    stringify(siteConfig(s, { dataDir: join(dir, 'data'), mqttPort, modbus: { port: modbusPort }, opcuaEndpoint: `opc.tcp://127.0.0.1:${opcuaPort}`, opcuaPki: opcuaPki('scenario-client'), apiPort: false, logLevel: 'silent' })),
  );
  const loaded: LoadedConfig = loadConfig(file, {});
  const gw = new Gateway(loaded, { clock, log: silentLogger });
  let live: ActualOrder[];
  try {
    const dbg = (m: string) => process.env.SIM_DEBUG && console.log(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${m}`);
    await gw.start();
    dbg("gateway started");
    await plant.ready;
    dbg("plant ready");
    await waitFor('every source connected', () => [...gw.sourceStatus.values()].every((x) => x.state === 'connected') || undefined, 30_000);
    clock.release();
    dbg("released");
    const iv = setInterval(() => dbg(`stats ${JSON.stringify(plant.stats)} day ${((clock.now() - s.start) / 864e5).toFixed(2)} ingest ${JSON.stringify(gw.pipeline.stats)}`), 2000);
    plant.finished.then(() => clearInterval(iv), () => clearInterval(iv));
    await plant.finished;
    dbg(`plant finished ${JSON.stringify(plant.stats)}`);
    // A tail of plant time for on-delays and staleness to play out after the last sample.
    const tail = s.end + Math.max(15 * 60_000, 3 * s.def.sampleInterval);
    await waitFor('the tail of the scenario', () => clock.now() >= tail || undefined, 60_000, 10);
    live = gw.outbox.list({ limit: 1_000_000 }).map((r) => ({ asset: r.order.asset.id, rule: r.order.rule.id, priority: r.order.priority, ts: Date.parse(r.order.evidence.ts), title: r.order.title }));
  } finally {
    await gw.stop();
    await plant.stop();
  }
  live.sort((a, b) => a.ts - b.ts);
  const samples = readSamples(record);
  const events = backtest(loaded, gw.ruleFiles, samples, { tickMs: s.def.replay.tick, tailMs: 15 * 60_000 });
  const replayed = events.filter((e) => e.type === 'workorder').map((e) => ({ asset: e.asset, rule: e.rule, priority: e.priority, ts: Date.parse(e.ts), ...(e.title ? { title: e.title } : {}) }));
  return { scenario: s, live, verdict: judge(s, live), replayed, replayDiffs: compareRuns(live, replayed, s.def.replay.tolerance, s.start), samples: samples.length, wallMs: performance.now() - t0 };
}

/** What a reader of the test log wants to see: the expectations and what happened. */
export function describeRun(r: ScenarioRun): string {
  return [
    `${r.scenario.def.name}: ${r.samples} samples, ${r.live.length} orders live, ${r.replayed.length} replayed, ${(r.wallMs / 1000).toFixed(1)} s`,
    ...r.verdict.report.map((l) => `  ${l}`),
    ...r.verdict.problems.map((l) => `  PROBLEM ${l}`),
    ...r.replayDiffs.map((l) => `  REPLAY ${l}`),
  ].join('\n');
}
