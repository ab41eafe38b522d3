import { readFileSync } from 'node:fs';
import { parseTimestamp, TimestampError } from '../core/timestamp.js';
import { ProblemsError, type Problem } from '../config/problems.js';

/** One recorded sample: `ts` (ISO 8601 or epoch s/ms), `asset`, `tag`, `value`. */
export interface RecordedSample {
  ts: number;
  asset: string;
  tag: string;
  value: number | boolean | string;
}

function parseValue(v: unknown): number | boolean | string {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  const s = String(v).trim();
  if (s === 'true' || s === 'false') return s === 'true';
  const n = Number(s);
  return s !== '' && Number.isFinite(n) ? n : s;
}

/**
 * Reads a samples file for backtests: CSV with a header naming `ts,asset,tag,value` (any order,
 * extra columns ignored; no quoting needed for these fields) or NDJSON (one object a line).
 * Every bad line is reported with its number; the samples come back sorted by time.
 */
export function readSamples(file: string, text = readFileSync(file, 'utf8')): RecordedSample[] {
  const lines = text.split(/\r?\n/);
  const out: RecordedSample[] = [];
  const problems: Problem[] = [];
  const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (first < 0) return out;
  const ndjson = lines[first]!.trim().startsWith('{');
  let cols: Record<string, number> = {};
  if (!ndjson) {
    const header = lines[first]!.split(',').map((h) => h.trim());
    cols = Object.fromEntries(header.map((h, i) => [h, i]));
    const missing = ['ts', 'asset', 'tag', 'value'].filter((c) => !(c in cols));
    if (missing.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', [{ file, path: '', line: first + 1, message: `CSV header must name ts, asset, tag, value; missing ${missing.join(', ')}` }]);
  }
  for (let i = ndjson ? first : first + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      let rec: Record<string, unknown>;
      if (ndjson) rec = JSON.parse(line) as Record<string, unknown>;
      else {
        const f = line.split(',');
        rec = { ts: f[cols.ts!], asset: f[cols.asset!], tag: f[cols.tag!], value: f[cols.value!] };
      }
      const tsRaw = typeof rec.ts === 'string' && /^\d+(\.\d+)?$/.test(rec.ts.trim()) ? Number(rec.ts) : rec.ts;
      if (typeof rec.asset !== 'string' || typeof rec.tag !== 'string' || rec.value === undefined) throw new Error('expected ts, asset, tag and value');
      out.push({ ts: parseTimestamp(tsRaw, 'auto'), asset: rec.asset.trim(), tag: rec.tag.trim(), value: parseValue(rec.value) });
    } catch (e) {
      problems.push({ file, path: '', line: i + 1, message: e instanceof TimestampError || e instanceof Error ? e.message : String(e) });
    }
  }
  if (problems.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', problems);
  // Stable sort: samples with the same time keep their file order.
  return out.map((s, i) => ({ s, i })).sort((a, b) => a.s.ts - b.s.ts || a.i - b.i).map((x) => x.s);
}

