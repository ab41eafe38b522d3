import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [-- --quick] [-- name ...]`: runs every `test/bench/*.bench.ts` in its own process
 * (so one bench's heap and JIT state do not colour the next), collects the JSON each writes to
 * `test/bench/results/<name>.json`, and prints one table. Each bench states its own method.
 */
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const results = join(here, 'results');
mkdirSync(results, { recursive: true });

const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

interface Row {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  goal?: string;
  note?: string;
}

const rows: Row[] = [];
const took: string[] = [];
const t0 = performance.now();
const secs = (t: number) => Math.round((performance.now() - t) / 1000);
for (const f of benches) {
  const name = f.replace(/\.bench\.ts$/, '');
  process.stdout.write(`\n== ${name} ==\n`);
  const t1 = performance.now();
  // No memory reducer: its idle-time full GCs (~8 s after the last one) would stall the load
  // generator, the receivers and this process on the load core mid-step.
  const r = spawnSync(process.execPath, ['--expose-gc', '--no-memory-reducer', '--import', 'tsx', join(here, f), ...(quick ? ['--quick'] : [])], { stdio: 'inherit', env: process.env });
  took.push(`${name} ${secs(t1)} s`);
  const out = join(results, `${name}.json`);
  if (r.status !== 0 || !existsSync(out)) {
    rows.push({ bench: name, metric: 'FAILED', value: Number.NaN, unit: '', note: `exit ${r.status}` });
    continue;
  }
  for (const row of JSON.parse(readFileSync(out, 'utf8')) as Row[]) rows.push({ ...row, bench: name });
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
process.stdout.write(`\nmachine: ${machine}${quick ? ' (quick)' : ''}\n\n| bench | metric | value | unit | goal | note |\n| --- | --- | ---: | --- | --- | --- |\n`);
// Small values (latencies, ratios) keep a decimal; rates are whole numbers.
const fmt = (v: number) => (!Number.isFinite(v) ? 'n/a' : Math.abs(v) < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
for (const r of rows) process.stdout.write(`| ${r.bench} | ${r.metric} | ${fmt(r.value)} | ${r.unit} | ${r.goal ?? ''} | ${r.note ?? ''} |\n`);
const duration = `${secs(t0)} s in all (${took.join(', ')})`;
process.stdout.write(`\nsuite took ${duration}\n`);
writeFileSync(join(results, 'summary.json'), JSON.stringify({ machine, quick, at: new Date().toISOString(), duration, rows }, null, 2));
