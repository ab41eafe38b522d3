import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, ProblemsError } from '../../../src/config/problems.js';
import { sortOrder } from '../../../src/rules/sample-table.js';
import { KEPT, parseSamples, readSampleFile, readSamples } from '../../../src/rules/samples-file.js';
import { rng } from '../../../simulators/plant/model.js';
import { tempDir } from '../../helpers/servers.js';

const T = Date.parse('2026-01-05T00:00:00Z');

describe('samples file', () => {
  it('reads CSV in time order (stable within a time), true/false as 1/0, extra columns ignored', () => {
    const f = parseSamples('s.csv', 'ts,asset,tag,value,note\n2026-01-05T00:00:10Z,p-1,t,2,x\n2026-01-05T00:00:00Z,p-1,t,1,\n2026-01-05T00:00:00Z,p-1,run,TRUE,\n# a comment\n\n1767571210,p-1,run,false,\n');
    expect(f.problems).toEqual([]);
    expect(f.badValues).toEqual([]);
    const t = f.table;
    expect(Array.from(t.ts)).toEqual([T, T, T + 10_000, T + 10_000]);
    expect(Array.from(t.value)).toEqual([1, 1, 2, 0]);
    expect(Array.from(t.line)).toEqual([3, 4, 2, 7]);
    expect(t.names).toEqual([{ asset: 'p-1', tag: 't' }, { asset: 'p-1', tag: 'run' }]);
    expect(Array.from(t.series)).toEqual([0, 1, 0, 1]);
  });

  it('counts every value that is not a number and reports its line, what was read and what was expected', () => {
    const f = parseSamples('s.csv', 'ts,asset,tag,value\n2026-01-05T00:00:00Z,p-1,t,"95,5"\n2026-01-05T00:00:01Z,p-1,t,hot\n2026-01-05T00:00:02Z,p-1,t,\n2026-01-05T00:00:03Z,p-1,t,95.5\n');
    expect(f.problems).toEqual([]);
    expect(f.badValues).toEqual([
      { line: 2, asset: 'p-1', tag: 't', text: '95,5', expected: expect.stringMatching(/^decimal comma; expected a number such as 95\.5/) },
      { line: 3, asset: 'p-1', tag: 't', text: 'hot', expected: expect.stringMatching(/^not a number; expected a number/) },
      { line: 4, asset: 'p-1', tag: 't', text: '', expected: expect.stringMatching(/^empty value; expected a number/) },
    ]);
    // Kept, as Bad samples: the replay sees them as the gateway would (not for the rules)
    expect(Array.from(f.table.value)).toEqual([Number.NaN, Number.NaN, Number.NaN, 95.5]);
  });

  it('a decimal comma in an unquoted field is a line with too many fields, and says so', () => {
    const f = parseSamples('s.csv', 'ts,asset,tag,value\n2026-01-05T00:00:00Z,p-1,t,95,5\n');
    expect(f.problems.map(formatProblem)).toEqual(['s.csv:2:1: expected 4 fields as in the header, read 5: a decimal comma in an unquoted value? Write 95.5, quote the field ("95,5") or separate fields with ";"']);
    expect(f.table.length).toBe(0);
  });

  it('takes the separator from the header: semicolons and tabs; time or timestamp for ts', () => {
    const semi = parseSamples('s.csv', 'Time;Asset;Tag;Value\n2026-01-05T00:00:00Z;p-1;t;95,5\n2026-01-05T00:00:01Z;p-1;t;96\n');
    expect(semi.badValues.map((v) => v.text)).toEqual(['95,5']);
    expect(Array.from(semi.table.value)).toEqual([Number.NaN, 96]);
    const tab = parseSamples('s.tsv', 'timestamp\tasset\ttag\tvalue\n2026-01-05T00:00:00Z\tp-1\tt\t1.5\n');
    expect(Array.from(tab.table.value)).toEqual([1.5]);
  });

  it('reads NDJSON; null and text values are bad values, numeric strings are numbers', () => {
    const f = parseSamples('s.ndjson', '{"ts":"2026-01-05T00:00:00Z","asset":"p-1","tag":"t","value":1}\n{"ts":1767571201000,"asset":"p-1","tag":"t","value":"2.5"}\n{"ts":1767571202000,"asset":"p-1","tag":"t","value":null}\n{"ts":1767571203000,"asset":"p-1","tag":"t","value":"hot"}\n{"ts":1767571204000,"asset":"p-1","tag":"t","value":true}\n');
    expect(Array.from(f.table.value)).toEqual([1, 2.5, Number.NaN, Number.NaN, 1]);
    expect(f.badValues.map((v) => [v.line, v.text])).toEqual([
      [3, 'null'],
      [4, 'hot'],
    ]);
  });

  it('lines without a readable time or fields are problems with their line numbers', () => {
    const f = parseSamples('s.csv', 'ts,asset,tag,value\nyesterday,p-1,t,1\n2026-01-05T00:00:00Z,,t,1\n2026-01-05T00:00:00Z,p-1,t,1\n');
    expect(f.problems.map((p) => [p.line, p.message])).toEqual([
      [2, expect.stringContaining('cannot read timestamp "yesterday"')],
      [3, 'expected ts, asset, tag and value'],
    ]);
    expect(f.table.length).toBe(1);
  });

  it('a header without the needed columns is refused at once', () => {
    expect(() => parseSamples('s.csv', 'when,where,what\n1,2,3\n')).toThrow(/CSV header must name ts, asset, tag, value; missing ts, asset, tag, value/);
  });

  it('readSamples throws every problem and bad value at once, in line order', () => {
    try {
      readSamples('s.csv', 'ts,asset,tag,value\n2026-01-05T00:00:00Z,p-1,t,hot\nnever,p-1,t,1\n2026-01-05T00:00:00Z,p-1,t,"95,5"\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProblemsError);
      expect((e as ProblemsError).problems.map(formatProblem)).toEqual([
        expect.stringMatching(/^s\.csv:2:1: p-1\/t: read "hot": not a number/),
        expect.stringMatching(/^s\.csv:3:1: cannot read timestamp "never"/),
        expect.stringMatching(/^s\.csv:4:1: p-1\/t: read "95,5": decimal comma/),
      ]);
    }
  });

  it('reads a file in pieces: lines across piece boundaries, longer than a piece, CRLF, a byte-order mark, multi-byte characters', () => {
    const lines = ['\ufeffts,asset,tag,value'];
    for (let i = 0; i < 3000; i++) lines.push(`${1767571200 + i},p-${i % 7},température,${(i % 1000) / 10}`);
    lines.push(`1767581200,p-1,${'ü'.repeat(300)},1`);
    const text = `${lines.join('\r\n')}\r\n1767581201,p-2,t,2`; // the last line without a line end
    const file = join(tempDir('samples-file'), 'big.csv');
    writeFileSync(file, text);
    const g = parseSamples(file, text);
    expect(g.problems).toEqual([]);
    expect(g.table.length).toBe(3002);
    expect(g.table.names[0]).toEqual({ asset: 'p-0', tag: 'température' });
    for (const chunk of [7, 64, 1000, 8 * 1024 * 1024]) {
      const f = readSampleFile(file, chunk);
      expect(f.problems).toEqual([]);
      expect(f.table.names).toEqual(g.table.names);
      expect(Array.from(f.table.value)).toEqual(Array.from(g.table.value));
      expect(Array.from(f.table.ts)).toEqual(Array.from(g.table.ts));
      expect(Array.from(f.table.line)).toEqual(Array.from(g.table.line));
    }
  });

  it('counts every bad value and problem, keeps the first ones in detail', () => {
    const rows = Array.from({ length: KEPT + 5 }, (_, i) => `2026-01-05T00:00:00Z,p-1,t,x${i}`);
    const f = parseSamples('s.csv', `ts,asset,tag,value\n${rows.join('\n')}\nnever,p-1,t,1\n`);
    expect(f.badValueCount).toBe(KEPT + 5);
    expect(f.badValues).toHaveLength(KEPT);
    expect(f.problemCount).toBe(1);
  });

  it('puts samples in time order as a stable sort would: by merging runs (an export per tag) or by sorting', () => {
    const r = rng(3);
    const cases = {
      'per-tag runs': Float64Array.from({ length: 5000 }, (_, i) => (i % 500) * 60_000 + Math.floor(i / 500)),
      'shuffled blocks': Float64Array.from({ length: 5000 }, (_, i) => Math.floor(i / 10) * 1000 + (9 - (i % 10))),
      'random with ties': Float64Array.from({ length: 20_000 }, () => Math.floor(r() * 300)),
    };
    for (const ts of Object.values(cases)) {
      const stable = Int32Array.from({ length: ts.length }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
      expect(Array.from(sortOrder(ts))).toEqual(Array.from(stable));
    }
  });
});
