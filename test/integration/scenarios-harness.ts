import { writeFileSync } from 'node:fs';
import { beforeAll, expect } from 'vitest';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Gateway } from '../../gateway/gateway.js';
import { ScaledClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadConfig, resolveFrom, type LoadedConfig } from '../../src/config/load.js';
import { ruleFiles } from '../../src/rules/load.js';
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
  const dir = tempDir(`scenario-${s.def.name}`);
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
    await waitFor('every source connected', () => gw.view.sources().every((x) => x.state === 'connected') || undefined, 30_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: ${gw.view.sources().map((x) => `${x.id} ${x.state} ${x.detail ?? ''}`).join('; ')}`);
    });
    const tags = [...gw.view.catalog.assets.values()].flatMap((a) => a.tags);
    // Plant time runs only once the gateway holds a first sample of every tag: a start-up stall
    // at thousands of times real time would otherwise read as hours of silence.
    await waitFor('a first sample of every tag', () => tags.every((t) => gw.view.latest.get(t.index) !== undefined) || undefined, 30_000);
    clock.release();
    dbg("released");
    const probe = process.env.SIM_DEBUG ? setInterval(() => {
      const now = clock.now();
      for (const t of tags) {
        const age = now - (gw.view.latest.get(t.index)?.ts ?? Number.NaN);
        if (age > 200_000) dbg(`age ${t.key} ${(age / 1000).toFixed(0)} s at +${((now - s.start) / 60000).toFixed(1)} min`);
      }
    }, 1) : undefined;
    plant.finished.then(() => clearInterval(probe), () => clearInterval(probe));
    const iv = setInterval(() => dbg(`stats ${JSON.stringify(plant.stats)} day ${((clock.now() - s.start) / 864e5).toFixed(2)} ingest ${JSON.stringify(gw.view.ingest())}`), 2000);
    plant.finished.then(() => clearInterval(iv), () => clearInterval(iv));
    await plant.finished;
    dbg(`plant finished ${JSON.stringify(plant.stats)}`);
    // A tail of plant time for on-delays and staleness to play out after the last sample.
    const tail = s.end + Math.max(15 * 60_000, 3 * s.def.sampleInterval);
    await waitFor('the tail of the scenario', () => clock.now() >= tail || undefined, 60_000, 10);
    live = gw.view.outbox.list({ limit: 1_000_000 }).filter((r) => r.kind !== 'held').map((r) => ({ asset: r.order.asset.id, rule: r.order.rule.id, priority: r.order.priority, ts: Date.parse(r.order.evidence.ts), title: r.order.title }));
  } finally {
    await gw.stop();
    await plant.stop();
  }
  // The plant stops at the scenario's end; what the gateway makes of that silence is not judged.
  live = live.filter((o) => o.ts <= s.end).sort((a, b) => a.ts - b.ts);
  const samples = readSamples(record);
  const events = backtest(loaded, ruleFiles(loaded.config.rules.map((r) => resolveFrom(loaded.baseDir, r))), samples, { tickMs: s.def.replay.tick });
  const replayed = events
    .filter((e) => e.type === 'workorder' && Date.parse(e.ts) <= s.end)
    .map((e) => ({ asset: e.asset, rule: e.rule, priority: e.priority, ts: Date.parse(e.ts), ...(e.title ? { title: e.title } : {}) }));
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

/**
 * Runs the scenario once for the tests of a `describe` block (only if one of them runs) and
 * returns a getter for its result.
 */
export function scenarioRun(name: string): () => ScenarioRun {
  let run: ScenarioRun | undefined;
  beforeAll(async () => {
    run = await runScenario(name);
    process.stdout.write(`${describeRun(run)}\n`);
  }, 120_000);
  return () => {
    if (!run) throw new Error(`scenario ${name} did not run`);
    return run;
  };
}

/** The orders match the scenario's expectations: asset, rule, priority, count and time window; nothing unexpected. */
export function expectPlannerOrders(r: ScenarioRun): void {
  expect(r.verdict.problems, describeRun(r)).toEqual([]);
}

/** Replaying the recorded samples through backtest() gives the same orders as the live run, within the scenario's tolerance. */
export function expectSameReplay(r: ScenarioRun): void {
  expect(r.replayDiffs, describeRun(r)).toEqual([]);
  expect(r.replayed.length).toBe(r.live.length);
}
