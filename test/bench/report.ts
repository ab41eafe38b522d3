import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  goal?: string;
  note?: string;
}

export const quick = process.argv.includes('--quick');

/** Writes a bench's rows where `run.ts` collects them, and prints them. */
export function report(name: string, rows: BenchRow[]): void {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(rows, null, 2));
  for (const r of rows) process.stdout.write(`${r.metric}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}${r.goal ? `  (goal ${r.goal})` : ''}${r.note ? `  ${r.note}` : ''}\n`);
}
