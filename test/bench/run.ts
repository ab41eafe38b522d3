import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatValue, loadAverage1m, resultsDir as results, thisMachine, writeLatest, type BenchRun, type ResultRow } from './results.js';

/**
 * `npm run bench [-- --quick] [-- name ...]`: runs every `test/bench/*.bench.ts` in its own process
 * (so one bench's heap and JIT state do not colour the next), collects the JSON each writes to
 * `test/bench/results/<name>.json`, and prints one table. Each bench states its own method
 * (test/bench/README.md). Every run writes `results/summary.json`; a full run (every bench, not
 * quick, all passed, the working tree's own build) also writes `results/latest.json` and
 * `results/latest.md`, which are committed.
 */
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts'));
const unknown = args.filter((a) => a.startsWith('-') && !['--quick', '--help', '-h'].includes(a));
if (args.includes('--help') || args.includes('-h') || unknown.length) {
  const names = all.map((f) => f.replace(/\.bench\.ts$/, '')).sort();
  process[unknown.length ? 'stderr' : 'stdout'].write(
    `${unknown.length ? `unknown option ${unknown.join(', ')}\n` : ''}usage: npm run bench [-- --quick] [-- NAME ...]\n` +
      `  --quick   shorter steps and fewer samples (about 2 minutes instead of 10)\n` +
      `  NAME      only the benches whose name starts with it: ${names.join(', ')}\n` +
      `Method and how to read the figures: test/bench/README.md\n`,
  );
  process.exit(unknown.length ? 2 : 0);
}
mkdirSync(results, { recursive: true });

const benches = all
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const rows: ResultRow[] = [];
const took: BenchRun['benches'] = [];
const at = new Date().toISOString();
const load0 = loadAverage1m();
const t0 = performance.now();
const secs = (t: number) => Math.round((performance.now() - t) / 1000);
for (const f of benches) {
  const name = f.replace(/\.bench\.ts$/, '');
  process.stdout.write(`\n== ${name} ==\n`);
  const t1 = performance.now();
  // No memory reducer: its idle-time full GCs (~8 s after the last one) would stall the load
  // generator, the receivers and this process on the load core mid-step.
  const r = spawnSync(process.execPath, ['--expose-gc', '--no-memory-reducer', '--import', 'tsx', join(here, f), ...(quick ? ['--quick'] : [])], { stdio: 'inherit', env: process.env });
  took.push({ name, seconds: secs(t1) });
  const out = join(results, `${name}.json`);
  if (r.status !== 0 || !existsSync(out)) {
    rows.push({ bench: name, metric: 'FAILED', value: null, unit: '', note: `exit ${r.status}` });
    continue;
  }
  for (const row of JSON.parse(readFileSync(out, 'utf8')) as Omit<ResultRow, 'bench'>[]) rows.push({ ...row, bench: name });
}

const run: BenchRun = {
  at,
  quick,
  machine: { ...thisMachine(), loadAverage: { start: load0, end: loadAverage1m() } },
  durationSeconds: secs(t0),
  benches: took,
  rows,
};
const m = run.machine;
process.stdout.write(`\nmachine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}${quick ? ' (quick)' : ''}\n\n| bench | metric | value | unit | goal | note |\n| --- | --- | ---: | --- | --- | --- |\n`);
for (const r of rows) process.stdout.write(`| ${r.bench} | ${r.metric} | ${formatValue(r.value)} | ${r.unit} | ${r.goal ?? ''} | ${r.note ?? ''} |\n`);
process.stdout.write(`\nsuite took ${run.durationSeconds} s in all (${took.map((b) => `${b.name} ${b.seconds} s`).join(', ')})\n`);
writeFileSync(join(results, 'summary.json'), JSON.stringify(run, null, 2));
// Only a full run of this tree's own build stands as the latest figures (CBM_BENCH_DIST runs another build).
const full = !quick && only.length === 0 && rows.every((r) => r.metric !== 'FAILED') && !process.env.CBM_BENCH_DIST;
if (full) {
  writeLatest(run);
  process.stdout.write('wrote test/bench/results/latest.json and latest.md: commit them with the change they measure\n');
} else {
  process.stdout.write('not a full run (quick, a subset, a failed bench or CBM_BENCH_DIST): latest.json left as it was\n');
}
