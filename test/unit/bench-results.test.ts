import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { latestJson, latestMd, renderTable, type BenchRun } from '../bench/results.js';

/** The committed bench results are data; the table beside them is generated from that data. */
describe('bench results (test/bench/results/)', () => {
  const run = JSON.parse(readFileSync(latestJson, 'utf8')) as BenchRun;

  it('latest.json carries the date and the machine as data', () => {
    expect(Number.isNaN(Date.parse(run.at))).toBe(false);
    expect(run.machine.cores).toBeGreaterThan(0);
    expect(run.machine.cpu).not.toBe('');
    expect(run.machine.memoryGiB).toBeGreaterThan(0);
    expect(run.machine.node).toMatch(/^v\d+\./);
    expect(run.benches.length).toBeGreaterThan(0);
    for (const r of run.rows) {
      expect(run.benches.map((b) => b.name), r.metric).toContain(r.bench);
      expect(r.value === null || Number.isFinite(r.value), r.metric).toBe(true);
      if (r.range) expect(r.range[0], r.metric).toBeLessThanOrEqual(r.range[1]);
    }
  });

  it('latest.md is the table generated from latest.json (regenerate: npx tsx test/bench/results.ts)', () => {
    expect(readFileSync(latestMd, 'utf8')).toBe(renderTable(run));
  });
});
