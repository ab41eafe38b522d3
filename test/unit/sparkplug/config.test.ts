import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { formatProblem, ProblemsError } from '../../../src/config/problems.js';

const base = `
gateway: { id: gw-1 }
site: { id: plant, name: Plant }
assets:
  - id: p-1
    name: Pump
    tags: [{ id: temp, unit: degC, range: { min: 0, max: 150 } }]
`;

function problems(text: string): string[] {
  try {
    loadConfig('/plant/site.yaml', {}, text);
  } catch (e) {
    if (e instanceof ProblemsError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error('expected problems');
}

describe('status: and sparkplug: config', () => {
  it('applies the documented defaults', () => {
    const { config } = loadConfig('/plant/site.yaml', {}, `${base}status: { url: "mqtt://central:1883" }\nsparkplug: { url: "mqtt://central:1883" }\n`);
    expect(config.status).toMatchObject({ enabled: true, topic: 'cbm/{site}/{gateway}/status', keepalive: 15_000, interval: 60_000, reconnectPeriod: 2000, rejectUnauthorized: true });
    expect(config.sparkplug).toMatchObject({ enabled: true, keepalive: 15_000, publishInterval: 1000, deadband: { absolute: 0 }, deadbands: {}, alarms: true, workOrders: true, maxBatch: 10_000 });
    expect(config.sparkplug!.groupId).toBeUndefined();
  });

  it('names the file, the path and what was expected', () => {
    const p = problems(`${base}sparkplug:\n  url: "mqtt://central:1883"\n  edgeNodeId: "a/b"\n  deadbands:\n    p-1/nope: { absolute: 1 }\n    p-1/temp: { percent: 120 }\n`);
    expect(p.join('\n')).toMatch(/site\.yaml:\d+:\d+: sparkplug\.edgeNodeId: expected a Sparkplug id without "\/", "\+" or "#"/);
    expect(p.join('\n')).toMatch(/sparkplug\.deadbands\.p-1\/nope: expected "<asset>\/<tag>" naming a tag of the site/);
    expect(p.join('\n')).toMatch(/sparkplug\.deadbands\.p-1\/temp/);
  });

  it('a sparkplug source: its metric map must name tags of the asset', () => {
    const p = problems(`${base}sources:\n  - id: spb\n    type: sparkplug\n    url: "mqtt://plant:1883"\n    devices:\n      - { node: PLC-1, device: "Pump 1", asset: p-1, metrics: { "Bearing/T": temp, "Flow": flow } }\n      - { node: PLC-1, device: "Pump 1" }\n`);
    expect(p.join('\n')).toMatch(/sources\[0\]\.devices\[0\]\.metrics\.Flow\.tag: asset "p-1" has no tag "flow"/);
    expect(p.join('\n')).toMatch(/sources\[0\]\.devices\[1\]: node "PLC-1" device "Pump 1" is already mapped at devices\[0\]/);
    expect(p.join('\n')).toMatch(/sources\[0\]\.devices\[1\]\.asset: expected `asset`: "Pump 1" is not an asset id/);
  });
});
