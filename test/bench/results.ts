import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Bench results as data: `results/latest.json` holds the latest full run (`npm run bench`, every
 * bench, not `--quick`), `results/latest.md` is the table generated from it. Both are committed;
 * run-by-run output (`summary.json`, one JSON per bench) stays ignored. History is git's.
 */
export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
export const latestJson = join(resultsDir, 'latest.json');
export const latestMd = join(resultsDir, 'latest.md');

export interface Machine {
  /** CPU model as the OS reports it. */
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started and ended: how busy the machine was. */
  loadAverage?: { start: number; end: number };
}

export interface ResultRow {
  bench: string;
  metric: string;
  /** `null`: the bench failed or the figure is not a number. */
  value: number | null;
  unit: string;
  goal?: string;
  note?: string;
  /** Lowest and highest value over `runs` runs, where a figure was recorded as a spread. */
  range?: [number, number];
  runs?: number;
}

export interface BenchRun {
  /** ISO 8601, UTC: when the run started. */
  at: string;
  quick: boolean;
  machine: Machine;
  durationSeconds: number;
  /** Each bench and how long it took, in seconds. */
  benches: { name: string; seconds: number }[];
  rows: ResultRow[];
}

/** The machine this process runs on. */
export function thisMachine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

export const loadAverage1m = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

/** Small values (latencies, ratios) keep a decimal; rates are whole numbers. */
export function formatValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  return Math.abs(v) < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
}

const cell = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|').trim();

/** The markdown table of a run: the machine and date first, then one table per bench. */
export function renderTable(run: BenchRun): string {
  const m = run.machine;
  const load = m.loadAverage ? `; load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end` : '';
  const out = [
    '# Latest bench results',
    '',
    '<!-- Generated from latest.json by test/bench/results.ts (npx tsx test/bench/results.ts); do not edit. -->',
    '',
    `- Run: ${run.at.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC')}, ${run.quick ? '`npm run bench -- --quick`' : '`npm run bench`'}, ${run.durationSeconds} s (${run.benches.map((b) => `${b.name} ${b.seconds} s`).join(', ')})`,
    `- Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}${load}`,
    '- Method and how to read the numbers: [test/bench/README.md](../README.md)',
  ];
  for (const b of run.benches) {
    const rows = run.rows.filter((r) => r.bench === b.name);
    if (rows.length === 0) continue;
    out.push('', `## ${b.name}`, '', '| metric | value | unit | goal | note |', '| --- | ---: | --- | --- | --- |');
    for (const r of rows) {
      const value = r.range ? `${formatValue(r.range[0])} – ${formatValue(r.range[1])}${r.runs ? ` (${r.runs} runs)` : ''}` : formatValue(r.value);
      out.push(`| ${cell(r.metric)} | ${value} | ${cell(r.unit)} | ${cell(r.goal)} | ${cell(r.note)} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Writes `latest.json` and the table generated from it. */
export function writeLatest(run: BenchRun): void {
  writeFileSync(latestJson, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(latestMd, renderTable(run));
}

// `npx tsx test/bench/results.ts`: regenerate latest.md from latest.json (after editing the data by hand).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(latestMd, renderTable(JSON.parse(readFileSync(latestJson, 'utf8')) as BenchRun));
  process.stdout.write(`wrote ${latestMd}\n`);
}
