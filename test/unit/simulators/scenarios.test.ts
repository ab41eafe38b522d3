import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { readSamples } from '../../../src/rules/samples-file.js';
import { compareRuns, judge, ruleMatches } from '../../../simulators/scenario/expect.js';
import { listScenarios, loadScenario, scenariosDir } from '../../../simulators/scenario/load.js';
import { ScenarioError } from '../../../simulators/scenario/problems.js';
import { siteConfig } from '../../../simulators/scenario/site.js';
import { parseTimeRef } from '../../../simulators/scenario/time.js';
import { PlantStream } from '../../../simulators/runtime/stream.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cbm-scenario-unit-'));
const H = 3_600_000;

describe('shipped scenarios', () => {
  const names = listScenarios();

  it('are at least six, and each but the demo plant has an integration test', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
    const dir = join(import.meta.dirname, '../../integration');
    const tests = readdirSync(dir).filter((f) => /^scenarios.*\.test\.ts$/.test(f)).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    for (const n of names.filter((x) => x !== 'demo-plant')) expect(tests, n).toContain(`scenarioRun('${n}')`);
  });

  it.each(names)('%s loads, and the site config it writes is one the gateway accepts', (name) => {
    const s = loadScenario(name);
    expect(s.scale).toBeGreaterThan(0);
    const dir = tmp();
    writeFileSync(join(dir, 'site.yaml'), stringify(siteConfig(s, { dataDir: join(dir, 'data'), mqttPort: 1883, modbus: { port: 5020 }, apiPort: false })));
    const loaded = loadConfig(join(dir, 'site.yaml'), {});
    expect(loaded.config.assets.map((a) => a.id)).toEqual(s.machines.map((m) => m.entry.id));
  });
});

describe('scenario file problems', () => {
  it('are all reported at once with file, line, path and what was expected', () => {
    const dir = tmp();
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'name: bad',
        'description: broken on purpose',
        'seed: 1',
        'start: 2026-01-05',
        'duration: 3 days',
        'wallTime: 10s',
        'rules: [x]',
        'machines:',
        '  - { id: p-1, model: pumpp, protocol: mqtt-json }',
        '  - { id: p-2, model: pump, protocol: opcua, faults: [{ type: word-swap, signal: vibration }] }',
        'expect: { orders: [], colour: red }',
      ].join('\n'),
    );
    let err: ScenarioError | undefined;
    try {
      loadScenario(file);
    } catch (e) {
      err = e as ScenarioError;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const byPath = Object.fromEntries(err!.problems.map((p) => [p.path, p]));
    expect(byPath.start).toMatchObject({ file, line: 4, message: expect.stringMatching(/ISO 8601/) });
    expect(byPath.duration).toMatchObject({ line: 5, message: expect.stringMatching(/expected a duration such as 90s/) });
    expect(byPath['machines[0].model']).toMatchObject({ line: 9, message: expect.stringMatching(/expected a model: pump, motor/) });
    expect(byPath.expect).toMatchObject({ line: 11, message: expect.stringMatching(/unknown key colour/) });
  });

  it('names an unknown signal or ground-truth crossing with what there is', () => {
    const dir = tmp();
    const file = join(dir, 's.yaml');
    const base = ['name: s', 'description: d', 'seed: 1', 'start: 2026-01-05T00:00:00Z', 'duration: 1d', 'timeScale: 100', 'rules: [x]'];
    writeFileSync(file, [...base, 'machines: [{ id: m-1, model: motor, protocol: mqtt-json, faults: [{ type: stuck, signal: vibe }] }]', 'expect: { orders: [] }'].join('\n'));
    expect(() => loadScenario(file)).toThrow(/machines\[0\]\.faults\[0\]\.signal: unknown signal "vibe": a motor has running, speed/);
    writeFileSync(file, [...base, 'machines: [{ id: m-1, model: motor, protocol: opcua, faults: [{ type: word-swap, signal: vibration }] }]', 'expect: { orders: [] }'].join('\n'));
    expect(() => loadScenario(file)).toThrow(/s\.yaml:8: machines\[0\]\.faults\[0\]\.type: word-swap is a Modbus fault; machine "m-1" is served over opcua/);
    writeFileSync(file, [...base, 'machines: [{ id: m-1, model: motor, protocol: mqtt-json }]', 'expect: { orders: [{ asset: m-1, rule: r, before: m-1.winding_temp>130 }] }'].join('\n'));
    expect(() => loadScenario(file)).toThrow(/expect\.orders\[0\]\.before: no ground-truth crossing "m-1\.winding_temp>130"; this scenario has none/);
  });

  it('time references: offsets and crossings with an offset', () => {
    expect(parseTimeRef('8d')).toEqual({ offset: 8 * 24 * H, text: '8d' });
    expect(parseTimeRef('p-101.bearing_temp>85 - 12h')).toMatchObject({ crossing: 'p-101.bearing_temp>85', offset: -12 * H });
    expect(parseTimeRef('-3d')).toBeUndefined();
    expect(parseTimeRef('soon')).toBeUndefined();
  });
});

describe('judging orders against expectations', () => {
  const s = loadScenario('stuck-and-dropout-sensors');
  const at = (h: number) => s.start + h * H;
  const good = [
    { asset: 'm-301', rule: 'vibration-sensor-stuck', priority: 3, ts: at(25) },
    { asset: 'm-302', rule: 'stale-bearing-temp', priority: 3, ts: at(36.2) },
  ];

  it('passes the orders a planner wants', () => {
    expect(judge(s, good).problems).toEqual([]);
  });

  it('names a missing order, one outside its window, a forbidden and an unexpected one', () => {
    expect(judge(s, good.slice(1)).problems.join('\n')).toMatch(/missing: 1 × m-301 vibration-sensor-stuck P3/);
    expect(judge(s, [{ ...good[0]!, ts: at(30) }, good[1]!]).problems.join('\n')).toMatch(/outside its window .*m-301 vibration-sensor-stuck P3 at \+1d 6h/);
    const v = judge(s, [...good, { asset: 'm-303', rule: 'stale-vibration', priority: 3, ts: at(10) }, { asset: 'm-302', rule: 'stale-vibration', priority: 3, ts: at(40) }]);
    expect(v.problems.join('\n')).toMatch(/forbidden \(healthy motor with healthy sensors\): 1 order/);
    expect(v.problems.join('\n')).toMatch(/unexpected: 2 orders/);
    expect(judge(s, [...good, good[1]!]).problems.join('\n')).toMatch(/too many: 2 × m-302 stale-bearing-temp/);
  });

  it('rule patterns and run comparison', () => {
    expect(ruleMatches('iso10816-*-zone-c', 'iso10816-g2-rigid-zone-c')).toBe(true);
    expect(ruleMatches(['a', 'b*'], 'c')).toBe(false);
    expect(compareRuns(good, good, H, s.start)).toEqual([]);
    expect(compareRuns(good, [good[0]!, { ...good[1]!, ts: at(40) }], H, s.start)).toEqual(['m-302 stale-bearing-temp P3: live at +1d 12h 12m, replayed at +1d 16h']);
  });
});

describe('the plant stream and its recording', () => {
  it('samples each signal on its grid whoever asks, and records NDJSON that rules test reads', () => {
    const s = loadScenario('slow-wireless-sensors');
    const stream = new PlantStream(s);
    const u = stream.units[2]!; // p-503: vibration and bearing_temp every 60 min, running every minute
    const all = stream.between(u, s.start - 1, s.start + 2 * H);
    const vib = all.filter((b) => b.values.has('vibration')).map((b) => (b.ts - s.start) / 60_000);
    expect(vib).toEqual([0, 60, 120]);
    expect(all.filter((b) => b.values.has('running')).length).toBe(121);
    // Asked in two halves, the same samples.
    expect([...stream.between(u, s.start - 1, s.start + H), ...stream.between(u, s.start + H, s.start + 2 * H)]).toEqual(all);
    expect(stream.latest(u, s.start + 90 * 60_000).get('vibration')!.ts).toBe(s.start + H);
    const lines = [...stream.flat(s.start - 1, s.start + H)].map((x) => JSON.stringify({ ts: new Date(x.ts).toISOString(), asset: x.asset, tag: x.tag, value: x.value }));
    const file = join(tmp(), 'r.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const back = readSamples(file);
    expect(back.length).toBe(lines.length);
    expect(back[0]).toMatchObject({ ts: s.start, asset: 'p-501' });
  });
});

describe('scenarios folder', () => {
  it('is found from the source tree', () => {
    expect(scenariosDir()).toMatch(/simulators\/scenarios$/);
  });
});
