import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { loadConfig } from '../../../src/config/load.js';
import type { InfluxConfig } from '../../../src/config/schema.js';
import { Stages } from '../../../src/pipeline/stages.js';
import { openStore } from '../../../src/store/db.js';
import { InfluxWriter } from '../../../src/timeseries/influx.js';

/**
 * The Grafana dashboards in edge-config/grafana/ against what the gateway writes: the demo site's
 * samples go through the real pipeline into the InfluxDB writer (its lines captured instead of
 * sent, with the site and gateway tags the gateway adds); every query of every panel and variable
 * may name only the measurements, tag keys and field those lines carry, every quoted name or `r.`
 * reference must be one the checker understands, and each panel's filters, with the variables set
 * to written values, select written lines.
 */
const root = join(import.meta.dirname, '../../..');

interface Line {
  measurement: string;
  tags: Record<string, string>;
  fields: string[];
}

/** Line protocol without escapes inside names (the demo's ids have none; the writer's escaping has its own test). */
function parseLine(l: string): Line {
  const [head, fieldSet] = l.split(' ') as [string, string];
  const [measurement, ...tags] = head.split(',');
  return { measurement: measurement!, tags: Object.fromEntries(tags.map((t) => t.split('=') as [string, string])), fields: fieldSet.split(',').map((f) => f.split('=')[0]!) };
}

async function writtenLines(measurement: 'class' | 'asset'): Promise<Line[]> {
  const loaded = loadConfig(join(root, 'edge-config/demo.yaml'));
  const bodies: string[] = [];
  const cfg: InfluxConfig = { enabled: true, url: 'http://127.0.0.1:1', token: '', org: '', bucket: 'cbm', measurement, batchSize: 100_000, flushInterval: 60_000, maxRetries: 0, maxBufferLines: 1_000_000, spill: { enabled: false, maxBytes: 1, replayBatch: 1 } };
  const writer = new InfluxWriter(cfg, { log: silentLogger, send: async (b) => void bodies.push(b), tags: { site: loaded.config.site.id, gateway: loaded.config.gateway.id } });
  const t = Date.UTC(2026, 2, 2);
  const stages = new Stages({ config: loaded.config, db: openStore(':memory:'), clock: new ManualClock(t), log: silentLogger, startedAt: t, writer, targetIds: () => [], measurement });
  stages.pipeline.ingest(stages.catalog.tags.map((tag) => ({ tag: tag.key, ts: t, value: tag.min ?? 1, quality: 'Good' as const })));
  await writer.close();
  return bodies.flatMap((b) => b.split('\n')).map(parseLine);
}

type Dashboard = { panels: { title: string; targets?: { query: string }[] }[]; templating: { list: { name: string; type: string; query?: string }[] } };
const load = (kind: string): Dashboard => JSON.parse(readFileSync(join(root, `edge-config/grafana/cbm-gateway-${kind}.json`), 'utf8'));

/** What a query names, and the predicates of its filters (`key`, `op`, `value` with variables left in). */
interface Names {
  measurements: string[];
  fields: string[];
  tagKeys: string[];
  predicates: { key: string; op: '==' | '=~'; value: string }[];
  /** Text the checker did not understand (must stay empty). */
  unknown: string[];
}

function fluxNames(q: string): Names {
  const n: Names = { measurements: [], fields: [], tagKeys: [], predicates: [], unknown: [] };
  let rest = q;
  for (const m of q.matchAll(/r\.(\w+) (==|=~) ("([^"]*)"|\/([^/]*)\/)/g)) {
    const [all, key, op, , str, re] = m as unknown as [string, string, '==' | '=~', string, string | undefined, string | undefined];
    rest = rest.replace(all, '');
    const value = str ?? re!;
    if (key === '_measurement') n.measurements.push(value);
    else if (key === '_field') n.fields.push(value);
    else n.tagKeys.push(key);
    n.predicates.push({ key, op, value });
  }
  for (const m of q.matchAll(/\btag: "([^"]*)"/g)) {
    n.tagKeys.push(m[1]!);
    rest = rest.replace(m[0], '');
  }
  for (const m of q.matchAll(/keep\(columns: \[([^\]]*)\]\)/g)) {
    for (const c of m[1]!.split(',').map((s) => s.trim().replace(/^"|"$/g, ''))) if (!['_time', '_value'].includes(c)) n.tagKeys.push(c);
    rest = rest.replace(m[0], '');
  }
  // Anything else that reads a column, or a schema call naming a measurement, is not checked: refuse it.
  for (const m of rest.matchAll(/r\.\w+|r\["[^"]*"\]|measurement: "[^"]*"|columns: \[[^\]]*\]/g)) if (m[0] !== 'measurement: "${measurement}"') n.unknown.push(m[0]);
  return n;
}

function influxqlNames(q: string): Names {
  const n: Names = { measurements: [], fields: [], tagKeys: [], predicates: [], unknown: [] };
  let rest = q;
  const take = (re: RegExp, f: (m: RegExpMatchArray) => void) => {
    for (const m of q.matchAll(re)) {
      f(m);
      rest = rest.replace(m[0], '');
    }
  };
  take(/\b(?:mean|min|max|count|last|first|sum)\("([^"]+)"\)/g, (m) => n.fields.push(m[1]!));
  take(/\bFROM "([^"]+)"/g, (m) => n.measurements.push(m[1]!));
  take(/WITH KEY = "([^"]+)"/g, (m) => n.tagKeys.push(m[1]!));
  take(/"([^"]+)" (=~|=) (\/([^/]*)\/|'([^']*)')/g, (m) => {
    n.tagKeys.push(m[1]!);
    n.predicates.push({ key: m[1]!, op: m[2] === '=' ? '==' : '=~', value: m[5] ?? m[4]! });
  });
  take(/GROUP BY ([^\n]*)/g, (m) => {
    for (const k of m[1]!.matchAll(/"([^"]+)"/g)) n.tagKeys.push(k[1]!);
  });
  for (const m of rest.matchAll(/"[^"]*"/g)) n.unknown.push(m[0]);
  if (n.measurements.length) n.predicates.push({ key: '_measurement', op: '==', value: n.measurements[0]! });
  return n;
}

/** Grafana's substitution: `${x}` and `${x:regex}` by a variable's value (`.*` for All). */
const substitute = (s: string, vars: Record<string, string>) => s.replace(/\$\{(\w+)(?::regex)?\}/g, (_, v: string) => vars[v] ?? `<unset ${v}>`);

function selects(line: Line, p: Names['predicates'][number], vars: Record<string, string>): boolean {
  const actual = p.key === '_measurement' ? line.measurement : p.key === '_field' ? line.fields[0] : line.tags[p.key];
  if (actual === undefined) return false;
  const v = substitute(p.value, vars);
  return p.op === '==' ? actual === v : new RegExp(v).test(actual);
}

describe.each([
  ['flux', fluxNames],
  ['influxql', influxqlNames],
] as const)('Grafana dashboard (%s)', (kind, names) => {
  let lines: Line[];
  const d = load(kind);
  const queries = [
    ...d.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `variable ${v.name}`, q: v.query! })),
    ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, q: t.query }))),
  ];
  beforeAll(async () => {
    lines = [...(await writtenLines('class')), ...(await writtenLines('asset'))];
  });

  it('names only the measurements, tag keys and field the writer writes', () => {
    const tagKeys = new Set(lines.flatMap((l) => Object.keys(l.tags)));
    const fields = new Set(lines.flatMap((l) => l.fields));
    const measurements = new Set(lines.map((l) => l.measurement));
    expect([...tagKeys].sort()).toEqual(['asset', 'gateway', 'site', 'tag']);
    expect([...fields]).toEqual(['value']);
    const variables = new Set(d.templating.list.map((v) => v.name));
    for (const { where, q } of queries) {
      const n = names(q);
      expect(n.unknown, `${where}: not understood`).toEqual([]);
      for (const k of n.tagKeys) expect(tagKeys, `${where}: tag key ${k}`).toContain(k);
      for (const f of n.fields) expect(fields, `${where}: field ${f}`).toContain(f);
      // A measurement is the variable listing what the bucket holds, or one the writer writes.
      for (const m of n.measurements) expect(m === '${measurement}' || measurements.has(m), `${where}: measurement ${m}`).toBe(true);
      for (const v of q.matchAll(/\$\{(\w+)/g)) expect(variables, `${where}: variable ${v[1]}`).toContain(v[1]);
    }
    const measurement = d.templating.list.find((v) => v.name === 'measurement')!.query!;
    expect(measurement).toMatch(kind === 'flux' ? /^import "influxdata\/influxdb\/schema"\nschema\.measurements\(bucket: "\$\{bucket\}"\)$/ : /^SHOW MEASUREMENTS$/);
  });

  it('every panel reads field `value` and its filters select written lines', () => {
    const written = lines.find((l) => l.measurement === 'pump')!;
    for (const vars of [
      { measurement: 'pump', site: '.*', gateway: '.*', asset: '.*', tag: '.*', bucket: 'cbm' },
      { measurement: written.measurement, site: written.tags.site!, gateway: written.tags.gateway!, asset: written.tags.asset!, tag: written.tags.tag!, bucket: 'cbm' },
      { measurement: 'c-201', site: '.*', gateway: '.*', asset: 'c-201', tag: 'discharge_temp', bucket: 'cbm' }, // measurement: asset
    ]) {
      for (const p of d.panels) {
        for (const t of p.targets ?? []) {
          const n = names(t.query);
          expect(n.fields, p.title).toEqual(['value']);
          expect(lines.filter((l) => n.predicates.every((x) => selects(l, x, vars))).length, `${p.title} with ${JSON.stringify(vars)}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('the checker fails a query that names what the writer does not write', () => {
    const bad = kind === 'flux' ? 'from(bucket: "${bucket}") |> filter(fn: (r) => r._field == "val" and r.device == "x" and r["asset"] == "p")' : 'SELECT mean("val") FROM "${measurement}" WHERE "device" = \'x\' AND "x" > 1';
    const n = names(bad);
    expect(n.fields).toEqual(['val']);
    expect(n.tagKeys).toEqual(['device']);
    expect(n.unknown.length).toBeGreaterThan(0);
  });
});
