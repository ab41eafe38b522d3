import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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
  /** Values that are not numbers, in file order (the first {@link KEPT}; `badValueCount` counts all). */
  badValues: BadValue[];
  badValueCount: number;
  /** Lines that could not be read at all (no readable time, missing fields): not in the table. */
  problems: Problem[];
  problemCount: number;
}

/** Bad values and problems kept in detail (all are counted): a report lists the first few anyway. */
export const KEPT = 10_000;

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
 * Reads a samples file for backtests, a line at a time: CSV with a header naming
 * `ts,asset,tag,value` (any order, extra columns ignored; `time` or `timestamp` for `ts`; fields
 * separated by commas, semicolons or tabs, as the header shows; double quotes around a field that
 * holds the separator) or NDJSON (one object a line). Lines starting with `#` are comments. Times
 * are ISO 8601 or epoch seconds or milliseconds. Nothing is dropped silently: a value that is not a
 * number is kept as a Bad sample and listed with its line; a line without a readable time or with
 * missing fields is listed as a problem. The samples come back in time order.
 */
class SamplesParser {
  private readonly b: SampleTableBuilder;
  private readonly badValues: BadValue[] = [];
  private badValueCount = 0;
  private readonly problems: Problem[] = [];
  private problemCount = 0;
  private lineNo = 0;
  private format: 'csv' | 'ndjson' | undefined;
  private delim = ',';
  private cols = { ts: -1, asset: -1, tag: -1, value: -1 };
  private width = 0;
  private lastTsText = '';
  private lastTs = Number.NaN;

  constructor(
    private readonly file: string,
    capacity: number,
  ) {
    this.b = new SampleTableBuilder(capacity);
  }

  private problem(message: string): void {
    if (this.problemCount++ < KEPT) this.problems.push({ file: this.file, path: '', line: this.lineNo, message });
  }

  private time(raw: unknown): number {
    if (typeof raw !== 'string') return parseTimestamp(raw, 'auto');
    // Rows of one time follow each other (a historian's export): read each time once.
    if (raw === this.lastTsText) return this.lastTs;
    const s = raw.trim();
    const t = parseTimestamp(/^\d+(\.\d+)?$/.test(s) ? Number(s) : s, 'auto');
    this.lastTsText = raw;
    return (this.lastTs = t);
  }

  private add(tsRaw: unknown, asset: unknown, tag: unknown, value: unknown): void {
    if (typeof asset !== 'string' || typeof tag !== 'string' || asset.trim() === '' || tag.trim() === '' || value === undefined) return this.problem('expected ts, asset, tag and value');
    const ts = this.time(tsRaw);
    const a = asset.trim();
    const t = tag.trim();
    const v = typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'boolean' ? Number(value) : sampleValue(typeof value === 'string' ? value : JSON.stringify(value));
    if (typeof v === 'string' && this.badValueCount++ < KEPT) this.badValues.push({ line: this.lineNo, asset: a, tag: t, text: typeof value === 'string' ? value : JSON.stringify(value), expected: v });
    this.b.push(ts, this.b.seriesOf(a, t), typeof v === 'number' ? v : Number.NaN, this.lineNo);
  }

  /** One line of the file, without its line end. */
  line(line: string): void {
    this.lineNo++;
    if (line === '' || line.charCodeAt(0) === 35 /* # */ || line.trim() === '') return;
    if (this.format === undefined) {
      this.format = line.trimStart().startsWith('{') ? 'ndjson' : 'csv';
      if (this.format === 'csv') return this.header(line);
    }
    try {
      if (this.format === 'ndjson') {
        const rec = JSON.parse(line) as Record<string, unknown>;
        return this.add(rec.ts, rec.asset, rec.tag, rec.value === null ? 'null' : rec.value);
      }
      const f = fields(line, this.delim);
      if (f.length !== this.width) {
        const hint = f.length > this.width && this.delim === ',' ? ': a decimal comma in an unquoted value? Write 95.5, quote the field ("95,5") or separate fields with ";"' : '';
        return this.problem(`expected ${this.width} fields as in the header, read ${f.length}${hint}`);
      }
      const c = this.cols;
      this.add(f[c.ts], f[c.asset], f[c.tag], f[c.value]);
    } catch (e) {
      this.problem((e as Error).message);
    }
  }

  private header(line: string): void {
    this.delim = line.includes('\t') ? '\t' : line.includes(';') && !line.includes(',') ? ';' : ',';
    const header = fields(line, this.delim).map((h) => h.trim().toLowerCase());
    this.width = header.length;
    const c = (this.cols = { ts: find(header, HEADER.ts), asset: find(header, HEADER.asset), tag: find(header, HEADER.tag), value: find(header, HEADER.value) });
    const missing = (Object.keys(c) as (keyof typeof c)[]).filter((k) => c[k] < 0);
    if (missing.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', [{ file: this.file, path: '', line: this.lineNo, message: `CSV header must name ts, asset, tag, value; missing ${missing.join(', ')} (read: ${header.join(this.delim)})` }]);
  }

  finish(): SampleFile {
    return { file: this.file, table: this.b.finish(), badValues: this.badValues, badValueCount: this.badValueCount, problems: this.problems, problemCount: this.problemCount };
  }
}

/** Feeds `text` to the parser a line at a time; returns the unfinished last line. */
function feedLines(p: SamplesParser, text: string, final: boolean): string {
  let pos = 0;
  for (;;) {
    const end = text.indexOf('\n', pos);
    if (end < 0) break;
    p.line(text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end));
    pos = end + 1;
  }
  const rest = text.slice(pos);
  if (final && rest !== '') p.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  return final ? '' : rest;
}

/** Parses a samples file's text (see {@link SamplesParser}). */
export function parseSamples(file: string, text: string): SampleFile {
  const p = new SamplesParser(file, Math.ceil(text.length / 40));
  feedLines(p, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, true);
  return p.finish();
}

/** Read this much of a file at a time: a year of one-minute data is gigabytes, more than one string may hold. */
const CHUNK = 8 * 1024 * 1024;

/** Reads and parses a samples file in pieces of `chunk` bytes (see {@link SamplesParser}). */
export function readSampleFile(file: string, chunk = CHUNK): SampleFile {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new ProblemsError('CBM_ERR_BAD_REQUEST', [{ file, path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  try {
    const p = new SamplesParser(file, Math.ceil(fstatSync(fd).size / 40));
    // Pieces end at a line end: '\n' is never part of a multi-byte character, so each piece
    // decodes on its own (Buffer's decoder keeps ASCII text in one-byte strings, which the
    // parser reads faster than TextDecoder's), and the bytes after the last line end carry over.
    let buf = Buffer.allocUnsafe(chunk);
    let kept = 0;
    let first = true;
    for (;;) {
      if (kept === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]); // a line longer than a piece
      const n = readSync(fd, buf, kept, buf.length - kept, null);
      const end = kept + n;
      const cut = n === 0 ? end : buf.lastIndexOf(10, end - 1) + 1;
      const from = first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      if (cut > 0 || n === 0) {
        feedLines(p, buf.toString('utf8', from, Math.max(from, cut)), n === 0);
        first = false;
        buf.copy(buf, 0, cut, end);
        kept = end - cut;
      } else kept = end;
      if (n === 0) break;
    }
    return p.finish();
  } finally {
    closeSync(fd);
  }
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
  const more = f.problemCount + f.badValueCount - problems.length;
  if (more > 0) problems.push({ file, path: '', message: `… and ${more} more lines like these` });
  if (problems.length) throw new ProblemsError('CBM_ERR_BAD_REQUEST', problems);
  const t = f.table;
  return Array.from({ length: t.length }, (_, i) => ({ ts: t.ts[i]!, asset: t.names[t.series[i]!]!.asset, tag: t.names[t.series[i]!]!.tag, value: t.value[i]! }));
}
