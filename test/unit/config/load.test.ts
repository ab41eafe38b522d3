import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ProblemsError } from '../../../src/config/problems.js';
import { parseDuration } from '../../../src/config/duration.js';

const base = `
gateway: { id: gw-1 }
site: { id: plant, name: Plant }
areas:
  - id: a
    name: Area
    lines: [{ id: l, name: Line }]
assets:
  - id: p-1
    name: Pump
    line: a/l
    tags:
      - { id: temp, unit: degC, range: { min: 0, max: 150 } }
sources:
  - id: mq
    type: mqtt
    broker: { port: 0, allowAnonymous: true }
    topics: [{ topic: "x/{asset}/{tag}" }]
`;

function problems(text: string, env: NodeJS.ProcessEnv = {}): ProblemsError {
  try {
    loadConfig('/plant/site.yaml', env, text);
  } catch (e) {
    if (e instanceof ProblemsError) return e;
    throw e;
  }
  throw new Error('expected problems');
}

describe('site config', () => {
  it('loads a valid file with defaults applied and frozen', () => {
    const { config } = loadConfig('/plant/site.yaml', {}, base);
    expect(config.api).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8080, auth: 'users', open: ['health'], hosts: [], bodyLimit: 1_048_576 });
    expect(config.assets[0]!.criticality).toBe('B');
    expect(config.sources[0]).toMatchObject({ type: 'mqtt', qos: 1, broker: { enabled: true, host: '127.0.0.1', port: 0 } });
    expect(Object.isFrozen(config.assets[0]!.tags)).toBe(true);
  });

  it('reports every problem at once with file, line, path and expectation', () => {
    const bad = base
      .replace('range: { min: 0, max: 150 }', 'range: { min: zero, max: 150 }')
      .replace('line: a/l', 'line: a/nope')
      .replace('topics: [{ topic: "x/{asset}/{tag}" }]', 'topics: [{ topik: "x/{asset}/{tag}" }]');
    const e = problems(bad);
    expect(e.code).toBe('CBM_ERR_CONFIG_INVALID');
    const byPath = Object.fromEntries(e.problems.map((p) => [p.path, p]));
    expect(byPath['assets[0].tags[0].range.min']).toMatchObject({ file: '/plant/site.yaml', line: 13 });
    expect(byPath['assets[0].tags[0].range.min']!.message).toMatch(/number/);
    expect(byPath['sources[0].topics[0].topic']!.message).toBe('required: expected string');
    expect(e.problems.find((p) => p.path === 'sources[0].topics[0]' && /unknown key "topik"/.test(p.message))).toBeDefined();
    // The line check is a cross-field rule: it runs only once the shapes are valid, as zod does.
    const e2 = problems(base.replace('line: a/l', 'line: a/nope'));
    expect(e2.problems).toEqual([expect.objectContaining({ path: 'assets[0].line', line: 11, message: expect.stringMatching(/known: a\/l/) })]);
  });

  it('interpolates ${ENV} and ${ENV:-default}, and names unset variables', () => {
    const text = `${base}influx:\n  url: \${INFLUX_URL:-http://127.0.0.1:8086}\n  token: \${INFLUX_TOKEN}\n  bucket: b\n`;
    expect(loadConfig('/s.yaml', { INFLUX_TOKEN: 's3cret' }, text).config.influx).toMatchObject({ url: 'http://127.0.0.1:8086', token: 's3cret' });
    const e = problems(text, {});
    expect(e.problems).toEqual([expect.objectContaining({ path: 'influx.token', message: expect.stringMatching(/INFLUX_TOKEN is not set/) })]);
  });

  it('reports YAML syntax errors with their line', () => {
    const e = problems('gateway: { id: x\nsite: [');
    expect(e.problems[0]).toMatchObject({ file: '/plant/site.yaml', message: expect.stringMatching(/YAML syntax/) });
    expect(e.problems[0]!.line).toBeGreaterThan(0);
  });

  it('rejects duplicate ids', () => {
    const e = problems(base.replace('sources:', `  - id: p-1\n    name: Again\nsources:`));
    expect(e.problems.map((p) => p.path)).toContain('assets[1].id');
  });

  it('checks that source maps name tags the assets define', () => {
    const bad = base.replace('topics: [{ topic: "x/{asset}/{tag}" }]', 'topics: [{ topic: "x/y", asset: p-1, tag: tmp }, { topic: "x/z", asset: p-9, tag: temp }]');
    const e = problems(bad);
    expect(e.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'sources[0].topics[0].tag: asset "p-1" has no tag "tmp"; its tags: temp',
      'sources[0].topics[1].asset: unknown asset "p-9"; known: p-1',
    ]);
  });

  it('parses durations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration(42)).toBe(42);
    expect(parseDuration('5 parsecs')).toBeUndefined();
  });
});
