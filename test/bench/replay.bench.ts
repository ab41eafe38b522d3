/**
 * Backtest (`rules test`) speed: how fast recorded samples replay through the real pipeline
 * (`replay()`: range checks, rules, alarm lifecycle, work orders, outbox in an in-memory SQLite),
 * with time moving from event to event. Samples are generated in memory, seeded, as columns
 * (a `SampleTable`), outside the timed part; one run per scenario after a short warm-up run.
 *
 * - Threshold rules: 1,000 pumps with one temperature tag each and one threshold rule per tag
 *   (deadband 2, 30 s on-delay); each tag sampled once a second at its own millisecond (every
 *   sample at a time of its own: the most time steps per sample); now and then (0.1 % of the
 *   samples) a tag runs hot for a minute, long enough to raise its alarm and make an order.
 * - The whole library (rules/library) on 25 pumps × 4 tags (vibration, bearing temperature,
 *   running, flow; 100 tags) for a year of one-minute data (52.56 million samples, at the minute
 *   as a historian exports them): vibration in zone A/B, bearing temperature with a daily load
 *   cycle, an hour's stop a day. Generated and replayed a month at a time.
 * - The samples parser: `parseSamples` on CSV and NDJSON text in memory, one-minute data of 100
 *   tags with ISO 8601 times; and `readSampleFile` on the CSV written to a file (read in 8 MB
 *   pieces, from the page cache: the file was just written).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { replay } from '../../src/replay/backtest.js';
import { ruleFiles } from '../../src/rules/load.js';
import { SampleTableBuilder, type SampleTable } from '../../src/rules/sample-table.js';
import { parseSamples, readSampleFile } from '../../src/rules/samples-file.js';
import { rng } from '../../simulators/plant/model.js';
import { tempDir } from '../helpers/servers.js';
import { quick, report, type BenchRow } from './report.js';

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;
const DAY = 86_400_000;
const rows: BenchRow[] = [];
const n = (x: number) => Math.round(x).toLocaleString('en-US');

function site(assets: object[]): LoadedConfig {
  const dir = tempDir('bench-replay');
  writeFileSync(join(dir, 'site.yaml'), stringify({ gateway: { id: 'bench' }, site: { id: 's', name: 'S' }, assets }));
  return loadConfig(join(dir, 'site.yaml'), {});
}

/** Wall time, and CPU time (user + system) for a machine shared with other work. */
function timed<T>(f: () => T): { r: T; secs: number; cpu: number } {
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const r = f();
  const u = process.cpuUsage(c);
  return { r, secs: Number(process.hrtime.bigint() - t) / 1e9, cpu: (u.user + u.system) / 1e6 };
}

// --- threshold rules ---------------------------------------------------------------------------
{
  const TAGS = 1000;
  const cfg = site(Array.from({ length: TAGS }, (_, a) => ({ id: `p${a}`, name: `Pump ${a}`, class: 'pump', tags: [{ id: 'temp', unit: 'degC', range: { min: -50, max: 300 } }] })));
  const dir = tempDir('bench-replay-rules');
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ rules: [{ id: 'hot', name: 'Hot', selector: { class: 'pump' }, priority: 2, conditions: { all: [{ fact: 'temp', operator: 'greaterThan', value: 90 }] }, deadband: 2, onDelay: '30s', workOrder: { title: 'Hot {{asset.name}}' } }] }));
  const table = (count: number, seed: number): SampleTable => {
    const r = rng(seed);
    const b = new SampleTableBuilder(count);
    const series = Array.from({ length: TAGS }, (_, t) => b.seriesOf(`p${t}`, 'temp'));
    const hotUntil = new Float64Array(TAGS);
    for (let i = 0; i < count; i++) {
      const t = i % TAGS;
      if (r() < 0.001) hotUntil[t] = T0 + i + MIN;
      b.push(T0 + i, series[t]!, T0 + i < hotUntil[t]! ? 95 : 50 + r() * 20, 0);
    }
    return b.finish();
  };
  replay(cfg, [file], table(200_000, 1)); // warm-up
  const count = quick ? 2_000_000 : 10_000_000;
  const input = table(count, 2);
  const { r, secs, cpu } = timed(() => replay(cfg, [file], input));
  const orders = r.events.filter((e) => e.type === 'workorder').length;
  rows.push({ metric: 'replay through threshold rules (1,000 tags and rules, a sample a second per tag)', value: count / secs, unit: 'samples/s', goal: '≥ 1,000,000', note: `${n(count)} samples (${n(count / 1000 / 3600)} h of data) in ${secs.toFixed(2)} s (${cpu.toFixed(2)} s CPU); ${n(r.ticks)} ticks run of ${n(count / 1000)} s; ${n(r.events.length - orders)} alarm changes, ${n(orders)} work orders` });
}

// --- a year of one-minute data with the whole library -----------------------------------------
{
  const ASSETS = 25;
  const TAGS = ['vibration', 'bearing_temp', 'running', 'flow'];
  const cfg = site(
    Array.from({ length: ASSETS }, (_, a) => ({
      id: `p-${a}`,
      name: `Pump P-${a}`,
      class: 'pump',
      attributes: { machineGroup: 2, foundation: 'rigid' },
      tags: [
        { id: 'vibration', unit: 'mm/s', range: { min: 0, max: 100 } },
        { id: 'bearing_temp', unit: 'degC', range: { min: -40, max: 200 } },
        { id: 'running' },
        { id: 'flow', unit: 'm3/h', range: { min: 0, max: 1000 } },
      ],
      meters: [{ id: 'run_hours', type: 'runHours', tag: 'running', maxGap: '2h' }],
    })),
  );
  const library = ruleFiles([join(import.meta.dirname, '../../rules/library')]);
  const days = quick ? 30 : 365;
  /** One month (30 days; the last one shorter) of minute data for every tag, seeded by the month. */
  function* months(): Generator<SampleTable> {
    for (let d0 = 0; d0 < days; d0 += 30) {
      const r = rng(1000 + d0);
      const minutes = Math.min(30, days - d0) * 1440;
      const b = new SampleTableBuilder(minutes * ASSETS * TAGS.length);
      const names = Array.from({ length: ASSETS }, (_, a) => TAGS.map((t) => b.seriesOf(`p-${a}`, t)));
      for (let m = 0; m < minutes; m++) {
        const ts = T0 + d0 * DAY + m * MIN;
        const dayPhase = Math.sin((2 * Math.PI * ((m % 1440) - 360)) / 1440);
        const stopped = m % 1440 >= 120 && m % 1440 < 180; // an hour's stop each night
        for (let a = 0; a < ASSETS; a++) {
          const [vib, temp, run, flow] = names[a]!;
          b.push(ts, vib!, stopped ? 0.1 : 1.3 + 0.2 * dayPhase + 0.1 * r(), 0);
          b.push(ts, temp!, (stopped ? 45 : 62 + 5 * dayPhase) + r(), 0);
          b.push(ts, run!, stopped ? 0 : 1, 0);
          b.push(ts, flow!, stopped ? 0 : 120 + 10 * r(), 0);
        }
      }
      yield b.finish();
    }
  }
  const samples = days * 1440 * ASSETS * TAGS.length;
  const input = [...months()]; // generated before the clock starts (1.3 GB of columns for a year)
  const { r, secs, cpu } = timed(() => replay(cfg, library, input));
  const orders = r.events.filter((e) => e.type === 'workorder').length;
  rows.push({ metric: `${days === 365 ? 'a year' : `${days} days`} of 1-minute data, 100 tags, the whole library`, value: secs, unit: 's', goal: days === 365 ? '< 10' : undefined, note: `${n(samples)} samples, replayed a month at a time in ${secs.toFixed(1)} s (${cpu.toFixed(1)} s CPU): ${n(samples / secs)} samples/s; ${n(r.ticks)} ticks run, ${n(r.timedChecks)} timed-rule readings; ${orders} work orders` });
}

// --- the samples parser -------------------------------------------------------------------------
{
  const lines = quick ? 200_000 : 2_000_000;
  const r = rng(7);
  const csv: string[] = ['ts,asset,tag,value'];
  const nd: string[] = [];
  for (let i = 0; i < lines; i++) {
    const ts = new Date(T0 + Math.floor(i / 100) * MIN).toISOString();
    const asset = `p-${Math.floor((i % 100) / 4)}`;
    const tag = ['vibration', 'bearing_temp', 'running', 'flow'][i % 4]!;
    const value = (r() * 100).toFixed(2);
    csv.push(`${ts},${asset},${tag},${value}`);
    nd.push(`{"ts":"${ts}","asset":"${asset}","tag":"${tag}","value":${value}}`);
  }
  for (const [kind, text] of [['CSV', `${csv.join('\n')}\n`], ['NDJSON', `${nd.join('\n')}\n`]] as const) {
    parseSamples('warm-up', text.slice(0, 1_000_000));
    const { r: f, secs, cpu } = timed(() => parseSamples('bench', text));
    if (f.table.length !== lines) throw new Error(`parsed ${f.table.length} of ${lines}`);
    rows.push({ metric: `samples file parser, ${kind} (100 tags, ISO 8601 times)`, value: lines / secs, unit: 'lines/s', note: `${n(lines)} lines, ${(text.length / 1e6).toFixed(0)} MB in ${secs.toFixed(2)} s (${cpu.toFixed(2)} s CPU): ${(text.length / 1e6 / secs).toFixed(0)} MB/s` });
    if (kind !== 'CSV') continue;
    const file = join(tempDir('bench-replay-file'), 'samples.csv');
    writeFileSync(file, text);
    const read = timed(() => readSampleFile(file));
    if (read.r.table.length !== lines) throw new Error(`read ${read.r.table.length} of ${lines}`);
    rows.push({ metric: 'samples file read, CSV, from a file', value: lines / read.secs, unit: 'lines/s', note: `${n(lines)} lines in ${read.secs.toFixed(2)} s (${read.cpu.toFixed(2)} s CPU): ${(text.length / 1e6 / read.secs).toFixed(0)} MB/s` });
  }
}

report('replay', rows);
