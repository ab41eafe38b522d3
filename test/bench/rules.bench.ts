/**
 * Rule stage throughput and memory. Method: a site of 1,000 assets × 10 tags (10,000 tags);
 * N threshold rules (json-rules-engine format, deadband 2, 30 s on-delay) spread over the tags,
 * compiled from a generated YAML file by the same loader the gateway uses. Samples are
 * pre-generated (random tag, value mostly normal, 0.1 % above the limit) and pushed through
 * the pipeline (`Pipeline.ingest`) in batches of 100 (validation, latest values, features, rules, alarm
 * lifecycle, and a SQLite commit whenever an alarm changes) on one thread, after a warm-up.
 * Memory: heap after a forced GC, before and after building each part.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Sample } from '../../src/core/sample.js';
import { siteConfigSchema } from '../../src/config/schema.js';
import { Stages } from '../../src/pipeline/stages.js';
import { openStore } from '../../src/store/db.js';
import { Catalog } from '../../src/tags/catalog.js';
import { LatestValues } from '../../src/tags/latest.js';
import { rng } from '../../simulators/plant/model.js';
import { tempDir } from '../helpers/servers.js';
import { quick, report, type BenchRow } from './report.js';

const ASSETS = 1000;
const TAGS_PER_ASSET = 10;
const TAGS = ASSETS * TAGS_PER_ASSET;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);

const site = siteConfigSchema.parse({
  gateway: { id: 'bench' },
  site: { id: 's', name: 'S' },
  workOrders: { flood: { count: 1_000_000_000 } },
  assets: Array.from({ length: ASSETS }, (_, a) => ({
    id: `a${a}`,
    name: `Asset ${a}`,
    class: 'pump',
    tags: Array.from({ length: TAGS_PER_ASSET }, (_, t) => ({ id: `t${t}`, unit: 'degC', range: { min: -1000, max: 1000 } })),
  })),
});

/** `windowed`: each rule reads its tag's 1-minute average instead of the latest value. */
function ruleFile(n: number, windowed = false): string {
  const rules = Array.from({ length: n }, (_, i) => {
    const tag = Math.floor((i * TAGS) / n); // spread evenly over the tags
    return {
      id: `r${i}`,
      name: `Rule ${i}`,
      asset: `a${Math.floor(tag / TAGS_PER_ASSET)}`,
      priority: 3,
      conditions: { all: [{ fact: `t${tag % TAGS_PER_ASSET}`, operator: 'greaterThan', value: 90, ...(windowed ? { params: { stat: 'avg', window: '1m' } } : {}) }] },
      deadband: 2,
      onDelay: 0,
      // Every raise makes an order: the bench measures speed, not consolidation or repeating holds.
      rearm: 'clear',
      repeating: { perHour: 1_000_000, perDay: 1_000_000 },
      workOrder: { title: 'High {{asset.name}}' },
    };
  });
  const file = join(tempDir('bench-rules'), 'rules.yaml');
  writeFileSync(file, stringify({ rules }));
  return file;
}

/** Random tags; `hot` of the samples cross the limit (each crossing is an alarm and, on raise, an order). */
function samples(count: number, hot: number): Sample[] {
  const r = rng(11);
  const t0 = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const tag = Math.floor(r() * TAGS);
    return { tag: `a${Math.floor(tag / TAGS_PER_ASSET)}/t${tag % TAGS_PER_ASSET}`, ts: t0 + i, value: r() < hot ? 95 : 50 + r() * 20, quality: 'Good' as const };
  });
}

const rows: BenchRow[] = [];
const h0 = heap();
const catalog = new Catalog(site);
const latest = new LatestValues(catalog.tags.length);
const hTags = heap();
void latest;
rows.push({ metric: 'memory per tag (catalog + latest values)', value: (hTags - h0) / TAGS, unit: 'bytes' });

const N = quick ? 300_000 : 2_000_000;
const inputs = { calm: samples(N, 0), hot: samples(N, 0.001) };
const rates: Record<number, number> = {};
for (const [n, windowed] of [[10, false], [1000, false], [10_000, false], [10_000, true]] as const) {
  const file = ruleFile(n, windowed);
  const db = openStore(':memory:');
  const stages = new Stages({ config: site, db, clock: systemClock, log: silentLogger, startedAt: Date.now(), targetIds: () => ['t'] });
  const hBefore = heap();
  stages.loadRules([file]);
  const hAfter = heap();
  const label = `${n.toLocaleString('en-US')} rules${windowed ? ' on 1-minute averages' : ''}`;
  if (n === 10_000) rows.push({ metric: `memory per rule, ${label} (compiled, indexed, alarm state${windowed ? ', window' : ''})`, value: (hAfter - hBefore) / n, unit: 'bytes', goal: '< 10,240' });
  const { pipeline } = stages;
  const run = (input: Sample[], from: number, to: number) => {
    for (let i = from; i < to; i += 100) pipeline.ingest(input.slice(i, Math.min(to, i + 100)));
  };
  const timed = (input: Sample[]) => {
    const orders = pipeline.stats.workOrders;
    const t = process.hrtime.bigint();
    run(input, 0, input.length);
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    return { rate: input.length / secs, note: `${input.length.toLocaleString('en-US')} samples in ${secs.toFixed(2)} s, ${pipeline.stats.workOrders - orders} work orders` };
  };
  run(inputs.calm, 0, 100_000); // warm-up
  const calm = timed(inputs.calm);
  if (!windowed) rates[n] = calm.rate;
  rows.push({ metric: `samples/s through rules, ${label} over 10,000 tags`, value: calm.rate, unit: 'samples/s', goal: n === 10_000 ? '≥ 200,000' : undefined, note: calm.note });
  const hot = timed(inputs.hot);
  rows.push({ metric: `  same, 0.1 % of samples crossing a limit (alarms + outbox commits)`, value: hot.rate, unit: 'samples/s', note: hot.note });
  db.close();
}
rows.push({ metric: 'throughput at 10,000 rules vs 10 rules', value: (rates[10_000]! / rates[10]!) * 100, unit: '%', goal: '≥ 80 %' });
report('rules', rows);
