import { readFileSync } from 'node:fs';
import { parseTimestamp } from '../core/timestamp.js';
import { ProblemsError, type Problem } from '../config/problems.js';
import { SampleTableBuilder, type SampleTable } from './sample-table.js';

/** One recorded sample: `ts` (ISO 8601 or epoch s/ms), `asset`, `tag`, `value`. */
export interface RecordedSample {
  ts: number;
  asset: string;
  tag: string;
  value: number | boolean | string;
}

/** A value in the file that is not a number: where, what was read, what was expected. */
export interface BadValue {
  line: number;
  asset: string;
  tag: string;
  /** The text as read (JSON for NDJSON values that are not strings). */
  text: string;
  expected: string;
}

export interface SampleFile {
  file: string;
  /** Every sample with a time, asset and tag; a bad value is in it as NaN (replayed as a Bad sample). */
  table: SampleTable;
  /** Every value that is not a number, in file order. */
  badValues: BadValue[];
  /** Lines that could not be read at all (no readable time, missing fields): not in the table. */
  problems: Problem[];
}

const EXPECTED = 'a number such as 95.5 (decimals after a point), or true/false';

/** A value's number (true/false: 1/0), or why it is not one. */
export function sampleValue(text: string): number | string {
  const s = text.trim();
  if (s === '') return `empty value; expected ${EXPECTED}`;
  const n = Number(s);
  if (Number.isFinite(n)) return n;
  const lower = s.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true' ? 1 : 0;
  if (/^[+-]?\d+,\d+$/.test(s)) return `decimal comma; expected ${EXPECTED}`;
  return `not a number; expected ${EXPECTED}`;
}

const HEADER: Record<'ts' | 'asset' | 'tag' | 'value', string[]> = { ts: ['ts', 'time', 'timestamp'], asset: ['asset'], tag: ['tag'], value: ['value'] };

/**
 * Reads a samples file for backtests: CSV with a header naming `ts,asset,tag,value` (any order,
 * extra columns ignored; `time` or `timestamp` for `ts`; fields separated by commas, semicolons
 * or tabs, as the header shows; double quotes around a field that holds the separator) or NDJSON
 * (one object a line). Lines starting with `#` are comments. Times are ISO 8601 or epoch seconds
 * or milliseconds. Nothing is dropped silently: a value that is not a number is kept as a Bad
 * sample and listed in `badValues` with its line; a line without a readable time or with missing
 * fields is listed in `problems`. The samples come back in time order.
 */
export function parseSamples(file: string, text: string): SampleFile {
  const b = new SampleTableBuilder(Math.ceil(text.length / 40));
  const badValues: BadValue[] = [];
  const problems: Problem[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNo = 0;
  let format: 'csv' | 'ndjson' | undefined;
  let delim = ',';
  let cols = { ts: -1, asset: -1, tag: -1, value: -1 };
  let width = 0;
  let lastTsText = '';
  let lastTs = Number.NaN;
  const time = (raw: unknown): number => {
    if (typeof raw === 'string') {
      if (raw === lastTsText) return lastTs;
      const s = raw.trim();
      const t = parseTimestamp(/^\d+(\.\d+)?$/.test(s) ? Number(s) : s, 'auto');
      lastTsText = raw;
      return (lastTs = t);
    }
    return parseTimestamp(raw, 'auto');
  };
  const add = (tsRaw: unknown, asset: unknown, tag: unknown, value: unknown, line: number) => {
    if (typeof asset !== 'string' || typeof tag !== 'string' || asset.trim() === '' || tag.trim() === '' || value === undefined) {
      problems.push({ file, path: '', line, message: 'expected ts, asset, tag and value' });
      return;
    }
    const ts = time(tsRaw);
    const a = asset.trim();
    const t = tag.trim();
    const v = typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'boolean' ? Number(value) : sampleValue(typeof value === 'string' ? value : JSON.stringify(value));
    if (typeof v === 'string') badValues.push({ line, asset: a, tag: t, text: typeof value === 'string' ? value : JSON.stringify(value), expected: v });
    b.push(ts, b.seriesOf(a, t), typeof v === 'number' ? v : Number.NaN, line);
  };
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    if (line === '' || line.charCodeAt(0) === 35 /* # */ || line.trim() === '') continue;
    if (format === undefined) {
      format = line.trimStart().startsWith('{') ? 'ndjson' : 'csv';
      if (format === 'csv') {
        delim = line.includes('\t') ? '\t' : line.includes(';') && !line.includes(',') ? ';' : ',';
        const header = fields(line, delim).map((h) => h.trim().toLowerCase());
        width = header.length;
        cols = { ts: find(header, HEADER.ts), asset: find(header, HEADER.asset), tag: find(header, HEADER.tag), value: find(header, HEADER.value) };
        const missing = (Object.keys(cols) as (keyof typeof cols)[]).filter((k) => cols[k] < 0);
        if (missing.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', [{ file, path: '', line: lineNo, message: `CSV header must name ts, asset, tag, value; missing ${missing.join(', ')} (read: ${header.join(delim)})` }]);
        continue;
      }
    }
    try {
      if (format === 'ndjson') {
        const rec = JSON.parse(line) as Record<string, unknown>;
        add(rec.ts, rec.asset, rec.tag, rec.value === null ? 'null' : rec.value, lineNo);
      } else {
        const f = fields(line, delim);
        if (f.length !== width) {
          const hint = f.length > width && delim === ',' ? ': a decimal comma in an unquoted value? Write 95.5, quote the field ("95,5") or separate fields with ";"' : '';
          problems.push({ file, path: '', line: lineNo, message: `expected ${width} fields as in the header, read ${f.length}${hint}` });
          continue;
        }
        add(f[cols.ts], f[cols.asset], f[cols.tag], f[cols.value], lineNo);
      }
    } catch (e) {
      problems.push({ file, path: '', line: lineNo, message: (e as Error).message });
    }
  }
  return { file, table: b.finish(), badValues, problems };
}

function find(header: string[], names: string[]): number {
  return header.findIndex((h) => names.includes(h));
}

/** Splits a CSV line; a field in double quotes may hold the separator ("" is a quote inside). */
function fields(line: string, d: string): string[] {
  if (!line.includes('"')) return line.split(d);
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    const start = i;
    while (line[i] === ' ') i++;
    if (line[i] !== '"') {
      const next = line.indexOf(d, start);
      if (next < 0) {
        out.push(line.slice(start));
        break;
      }
      out.push(line.slice(start, next));
      i = next + 1;
      continue;
    }
    let s = '';
    i++;
    for (;;) {
      const q = line.indexOf('"', i);
      if (q < 0) {
        s += line.slice(i);
        i = line.length;
        break;
      }
      s += line.slice(i, q);
      if (line[q + 1] === '"') (s += '"'), (i = q + 2);
      else {
        i = q + 1;
        break;
      }
    }
    out.push(s);
    const next = line.indexOf(d, i);
    if (next < 0) break;
    i = next + 1;
  }
  return out;
}

/** Reads and parses a samples file (see {@link parseSamples}). */
export function readSampleFile(file: string): SampleFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProblemsError('CBM_ERR_BAD_REQUEST', [{ file, path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseSamples(file, text);
}

/** A bad value as a problem: file, line, what was read, what was expected. */
export function badValueProblem(file: string, v: BadValue): Problem {
  return { file, path: '', line: v.line, message: `${v.asset}/${v.tag}: read ${JSON.stringify(v.text)}: ${v.expected}` };
}

/**
 * Reads a samples file into objects, in time order; throws every problem (unreadable lines and
 * values that are not numbers) at once.
 */
export function readSamples(file: string, text?: string): RecordedSample[] {
  const f = text === undefined ? readSampleFile(file) : parseSamples(file, text);
  const problems = [...f.problems, ...f.badValues.map((v) => badValueProblem(file, v))].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (problems.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', problems);
  const t = f.table;
  return Array.from({ length: t.length }, (_, i) => ({ ts: t.ts[i]!, asset: t.names[t.series[i]!]!.asset, tag: t.names[t.series[i]!]!.tag, value: t.value[i]! }));
}
