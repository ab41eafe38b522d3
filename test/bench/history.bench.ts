/**
 * Local tag history (issue 17): disk, query time and what it costs the ingest path.
 *
 * Disk: a simulated week of 1 Hz samples (random walk) for 100 tags through `History.add`, flushed
 * every 10 simulated seconds as the ticker would (1 s in the gateway; the rows written are the
 * same), into a fresh store file. Bytes = the database file after a WAL checkpoint, less the file
 * of an empty store; per 1,000 tag-days = bytes / (tags × 7) × 1,000. The store then holds 7 days
 * of 1-minute blocks and 7 days of hours (of a 90-day retention).
 *
 * Query: that store, one tag, 7 days at 1-minute resolution (10,080 points): `History.query`, and
 * the route `GET /api/assets/:asset/tags/:tag/history` through fastify's `inject` (JSON and ISO
 * times included). Median and worst of 30 runs after 5 warm-ups.
 *
 * Ingest: the rules bench's site (1,000 assets × 10 tags, 1,000 threshold rules) driven
 * in-process through `Pipeline.ingest` in batches of 100 (random tags) with a manual clock that
 * ticks once a simulated second. The measured 2,000,000 samples lie within one minute of sample
 * time: this is the per-sample cost; what closing minutes costs is measured apart (below), since
 * in a bench that replays samples far faster than real time every tag would close its minute
 * hundreds of times more often than it does live. History off and on alternate, 5 runs each; the
 * best of each is compared (also by CPU time, less sensitive to other processes on the machine).
 *
 * Writes: what the ticker pays per closed tag-minute (journal, its share of a block and an hour),
 * 10,000 tags × 60 minutes, CPU time of `flush`. It does not depend on the sample rate; the last
 * row adds it to the per-sample cost for a gateway taking 1,000,000 samples/s over 10,000 tags.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildApi } from '../../gateway/api.js';
import { Gateway } from '../../gateway/gateway.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Sample } from '../../src/core/sample.js';
import { loadConfig } from '../../src/config/load.js';
import { siteConfigSchema, type SiteConfigInput } from '../../src/config/schema.js';
import { History } from '../../src/history/history.js';
import { Stages } from '../../src/pipeline/stages.js';
import { openStore, type Db } from '../../src/store/db.js';
import { Catalog } from '../../src/tags/catalog.js';
import { rng } from '../../simulators/plant/model.js';
import { tempDir } from '../helpers/servers.js';
import { quick, report, type BenchRow } from './report.js';

const DAY = 86_400_000;
const rows: BenchRow[] = [];
const siteInput = (assets: number, tagsPer: number): SiteConfigInput => ({
  gateway: { id: 'bench', dataDir: '.', logLevel: 'silent' },
  site: { id: 's', name: 'S' },
  api: { enabled: false },
  assets: Array.from({ length: assets }, (_, a) => ({
    id: `a${a}`,
    name: `Asset ${a}`,
    class: 'pump',
    tags: Array.from({ length: tagsPer }, (_, t) => ({ id: `t${t}`, unit: 'degC', range: { min: -1000, max: 1000 } })),
  })),
});
const siteOf = (assets: number, tagsPer: number) => siteConfigSchema.parse(siteInput(assets, tagsPer));

const fileBytes = (db: Db, file: string) => {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(file).size;
};

// --- disk and query -------------------------------------------------------------------------
const DISK_TAGS = 100;
const DAYS = quick ? 2 : 7;
const dir = tempDir('bench-history');
const empty = join(dir, 'empty.db');
const emptyDb = openStore(empty);
const emptyBytes = fileBytes(emptyDb, empty);
emptyDb.close();

const file = join(dir, 'gateway.db');
const db = openStore(file);
const site = siteOf(DISK_TAGS / 10, 10);
const catalog = new Catalog(site);
const history = new History(db, catalog.tags, { minutes: 7 * DAY, hours: 90 * DAY, log: silentLogger });
const t0 = Date.UTC(2026, 0, 5);
const r = rng(7);
const level = new Float64Array(DISK_TAGS).map(() => 50 + r() * 20);
const tFill = performance.now();
for (let s = 0; s < DAYS * 86_400; s++) {
  const ts = t0 + s * 1000;
  for (let i = 0; i < DISK_TAGS; i++) {
    level[i]! += (r() - 0.5) * 0.2;
    history.add(i, ts, Math.round(level[i]! * 100) / 100); // two decimals, as a sensor reports
  }
  if (s % 10 === 9) history.flush(ts + 1);
}
const end = t0 + DAYS * DAY;
history.flush(end + 10_000);
const bytes = fileBytes(db, file) - emptyBytes;
const tagDays = DISK_TAGS * DAYS;
/** Bytes of a table and its indexes (SQLite's dbstat), per tag-day. */
const tableBytes = (prefix: string) =>
  (db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name LIKE ? || '%' OR name IN (SELECT name FROM sqlite_schema WHERE tbl_name LIKE ? || '%')").pluck().get(prefix, prefix) as number) / tagDays;
rows.push({
  metric: 'disk per 1,000 tag-days (1 Hz samples; 1-minute and 1-hour aggregates)',
  value: (bytes / tagDays) * 1000 / 1e6,
  unit: 'MB',
  note: `${(bytes / 1e6).toFixed(1)} MB for ${DISK_TAGS} tags × ${DAYS} days of 1 Hz samples (${((DISK_TAGS * DAYS * 86_400) / 1e6).toFixed(1)} M samples, written in ${((performance.now() - tFill) / 1000).toFixed(1)} s); ${(bytes / tagDays / 1440).toFixed(1)} bytes a tag-minute`,
});
rows.push({
  metric: '  of which 1-minute blocks / 1-hour aggregates, per tag-day',
  value: tableBytes('history_blocks') / 1000,
  unit: 'kB',
  note: `blocks ${(tableBytes('history_blocks') / 1000).toFixed(1)} kB, hours ${(tableBytes('history_hours') / 1000).toFixed(2)} kB, journal ${(tableBytes('history_journal') / 1000).toFixed(2)} kB a tag-day (pages in use, indexes included)`,
});

function timed(runs: number, fn: () => unknown): { median: number; max: number } {
  for (let i = 0; i < 5; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, max: ms.at(-1)! };
}

const from = end - 7 * DAY;
const q = timed(30, () => history.query(42, from, end, '1m', end));
const points = history.query(42, from, end, '1m', end).length;
rows.push({ metric: '7-day 1-minute history of one tag: History.query', value: q.median, unit: 'ms', note: `median of 30, worst ${q.max.toFixed(1)} ms; ${points.toLocaleString('en-US')} points` });
db.close();
// The route as the gateway serves it: a gateway started on that store, at the end of the week.
const siteFile = join(dir, 'site.yaml');
writeFileSync(siteFile, stringify(siteInput(DISK_TAGS / 10, 10)));
const gw = new Gateway(loadConfig(siteFile), { log: silentLogger, clock: new ManualClock(end), apiPort: 0 });
await gw.start();
const api = buildApi(gw.view);
const url = `/api/assets/a4/tags/t2/history?from=${new Date(from).toISOString()}&to=${new Date(end).toISOString()}&resolution=1m`;
const http = await (async () => {
  const ms: number[] = [];
  for (let i = 0; i < 35; i++) {
    const t = performance.now();
    const res = await api.inject(url);
    if (res.statusCode !== 200) throw new Error(`history route answered ${res.statusCode}: ${res.body}`);
    if (i >= 5) ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, max: ms.at(-1)! };
})();
rows.push({ metric: '7-day 1-minute history of one tag: GET …/history (JSON)', value: http.median, unit: 'ms', goal: '< 50 ms', note: `median of 30 through fastify inject, worst ${http.max.toFixed(1)} ms` });
const hq = timed(30, () => gw.view.history!.query(42, end - 90 * DAY, end, '1h', end));
rows.push({ metric: '90-day 1-hour history of one tag: History.query', value: hq.median, unit: 'ms', note: `median of 30, worst ${hq.max.toFixed(1)} ms; 2,160 hour lookups (${DAYS} days hold data)` });
// A rule engineer's dry-run: one threshold rule on every pump, 7 days of 1-minute history.
const dryYaml = stringify({ rules: [{ id: 'hot', name: 'Hot', selector: { class: 'pump' }, priority: 2, conditions: { all: [{ fact: 't0', operator: 'greaterThan', value: 70 }] }, deadband: 2, workOrder: { title: 'Hot {{asset.name}}' } }] });
const dry: number[] = [];
let drySamples = 0;
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const res = await api.inject({ method: 'POST', url: '/api/rules/dry-run', payload: { yaml: dryYaml, from: new Date(from).toISOString(), to: new Date(end).toISOString() } });
  dry.push(performance.now() - t);
  if (res.statusCode !== 200) throw new Error(`dry-run answered ${res.statusCode}: ${res.body}`);
  drySamples = (res.json() as { samples: number }).samples;
}
dry.sort((a, b) => a - b);
rows.push({ metric: `rule dry-run over ${DAYS} days of 1-minute history, ${DISK_TAGS / 10} assets × 10 tags`, value: dry[1]! / 1000, unit: 's', note: `median of 3; ${drySamples.toLocaleString('en-US')} samples replayed through backtest(), ticks every 10 s; the gateway's thread is busy meanwhile` });
await api.close();
await gw.stop();

// --- ingest with history on and off -----------------------------------------------------------
const ASSETS = 1000;
const TAGS_PER_ASSET = 10;
const TAGS = ASSETS * TAGS_PER_ASSET;
const big = siteOf(ASSETS, TAGS_PER_ASSET);
const ruleFile = join(dir, 'rules.yaml');
writeFileSync(
  ruleFile,
  stringify({
    rules: Array.from({ length: 1000 }, (_, i) => ({
      id: `r${i}`,
      name: `Rule ${i}`,
      asset: `a${i}`,
      priority: 3,
      conditions: { all: [{ fact: 't0', operator: 'greaterThan', value: 90 }] },
      deadband: 2,
      workOrder: { title: 'High {{asset.name}}' },
    })),
  }),
);
// Warm-up and measured part within one minute of sample time (from :02 to :55): every tag's
// minute opens in the warm-up and none closes while measured.
const N = quick ? 400_000 : 2_000_000;
const WARM = 100_000;
const paceUs = 53_000_000 / (N + WARM);
const ingestT0 = Date.UTC(2026, 0, 5) + 2_000;
const input: Sample[] = (() => {
  const g = rng(11);
  return Array.from({ length: N + WARM }, (_, i) => {
    const tag = Math.floor(g() * TAGS);
    return { tag: `a${Math.floor(tag / TAGS_PER_ASSET)}/t${tag % TAGS_PER_ASSET}`, ts: ingestT0 + Math.floor((i * paceUs) / 1000), value: 50 + g() * 20, quality: 'Good' as const };
  });
})();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function ingestRate(withHistory: boolean): { wall: number; cpu: number } {
  const idb = openStore(':memory:');
  const c = new ManualClock(ingestT0);
  const stages = new Stages({ config: big, db: idb, clock: c, log: silentLogger, startedAt: ingestT0, targetIds: () => [], ...(withHistory ? { history: { minutes: 7 * DAY, hours: 90 * DAY } } : {}) });
  stages.loadRules([ruleFile]);
  const { pipeline } = stages;
  let nextTick = ingestT0 + 1000;
  const run = (from: number, to: number) => {
    for (let i = from; i < to; i += 100) {
      const last = input[Math.min(to, i + 100) - 1]!.ts;
      while (nextTick <= last) {
        c.set(nextTick);
        pipeline.tick(nextTick);
        nextTick += 1000;
      }
      pipeline.ingest(input.slice(i, Math.min(to, i + 100)));
    }
  };
  run(0, WARM);
  const before = withHistory ? stages.history!.stats().minutes : 0;
  const t = performance.now();
  const cp = cpuMs();
  run(WARM, N + WARM);
  const wall = N / ((performance.now() - t) / 1000);
  const cpu = N / ((cpuMs() - cp) / 1000);
  if (withHistory && stages.history!.stats().minutes !== before) throw new Error('a minute closed in the measured part');
  idb.close();
  return { wall, cpu };
}

const off: { wall: number; cpu: number }[] = [];
const on: { wall: number; cpu: number }[] = [];
const PAIRS = quick ? 3 : 7;
for (let i = 0; i < PAIRS; i++) {
  off.push(ingestRate(false));
  on.push(ingestRate(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const best = (xs: { wall: number }[]) => Math.max(...xs.map((x) => x.wall));
// Each pair ran back to back: the ratio of its CPU times cancels what other processes did to the machine meanwhile.
const ratio = median(on.map((x, i) => x.cpu / off[i]!.cpu));
const perSampleNs = median(on.map((x, i) => 1e9 / x.cpu - 1e9 / off[i]!.cpu));
const note = (xs: { wall: number }[]) => `best of ${PAIRS} (${xs.map((x) => Math.round(x.wall / 1000)).join(', ')} k)`;
rows.push({ metric: 'pipeline ingest, history off (10,000 tags, 1,000 rules)', value: best(off), unit: 'samples/s', note: note(off) });
rows.push({ metric: 'pipeline ingest, history on', value: best(on), unit: 'samples/s', note: note(on) });
rows.push({
  metric: 'ingest with history on vs off',
  value: ratio * 100,
  unit: '%',
  goal: '≥ 90 %',
  note: `median over ${PAIRS} back-to-back pairs of the rate by CPU time; ${(N / 1e6).toFixed(1)} M samples a run within one minute of sample time, a tick a simulated second; by the best wall-clock rates ${((best(on) / best(off)) * 100).toFixed(0)} %`,
});
rows.push({ metric: '  history cost per sample', value: perSampleNs, unit: 'ns CPU', note: `median over the pairs of CPU time per sample, on less off` });

// --- what the ticker pays: writing closed minutes and blocks ------------------------------------
const wdb = openStore(':memory:');
const wh = new History(wdb, new Catalog(big).tags, { minutes: 7 * DAY, hours: 90 * DAY, log: silentLogger });
const w0 = Date.UTC(2026, 0, 5);
let flushMs = 0;
const MINUTES = quick ? 20 : 60;
for (let m = 0; m < MINUTES; m++) {
  for (let t = 0; t < TAGS; t++) wh.add(t, w0 + m * 60_000 + 500 + (t % 1000), 50 + (t % 7));
  const c0 = cpuMs();
  wh.flush(w0 + (m + 1) * 60_000 + 5_000);
  flushMs += cpuMs() - c0;
}
const perTagMinute = (flushMs * 1000) / (TAGS * MINUTES);
rows.push({
  metric: 'history writes per tag-minute (journal, 20-minute blocks, hours)',
  value: perTagMinute,
  unit: 'µs CPU',
  note: `${TAGS.toLocaleString('en-US')} tags × ${MINUTES} minutes; at 10,000 tags that is ${((perTagMinute * TAGS) / 1000).toFixed(0)} ms a minute, ${((perTagMinute * TAGS) / 600_000).toFixed(2)} % of a core, whatever the sample rate`,
});
// Live, at 1,000,000 samples/s over 10,000 tags: a second's samples and a sixtieth of a minute's writes.
const liveMs = (perSampleNs * 1e6) / 1e6 + (perTagMinute * TAGS) / 1000 / 60;
rows.push({ metric: 'history at 1,000,000 samples/s over 10,000 tags', value: liveMs / 10, unit: '% of a core', note: `${liveMs.toFixed(1)} ms of CPU a second: per-sample cost × 10^6 + writes of 10,000 tag-minutes / 60` });
wdb.close();
report('history', rows);
