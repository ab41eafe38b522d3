import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ProblemsError } from '../../../src/config/problems.js';
import { Catalog } from '../../../src/tags/catalog.js';

const site = (interval: string) => `
gateway: { id: gw-1 }
site: { id: plant, name: Plant }
assets:
  - id: fan-1
    name: Fan
    tags:
      - { id: bearing_temp, unit: degC, interval: ${interval} }
      - { id: vibration, unit: mm/s }
`;

describe('catalog: reporting intervals', () => {
  it('gives each tag the interval its definition configures, NaN where it gives none', () => {
    const c = new Catalog(loadConfig('/plant/site.yaml', {}, site('10m')).config);
    expect(c.interval(c.tag('fan-1/bearing_temp')!.index)).toBe(600_000);
    expect(c.interval(c.tag('fan-1/vibration')!.index)).toBeNaN();
  });

  it('names the file, path and expectation of a bad interval', () => {
    for (const [bad, msg] of [['0s', /above zero/], ['soon', /expected a duration such as/]] as const) {
      let e: unknown;
      try {
        loadConfig('/plant/site.yaml', {}, site(bad));
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(ProblemsError);
      expect((e as ProblemsError).problems).toEqual([expect.objectContaining({ file: '/plant/site.yaml', path: 'assets[0].tags[0].interval', message: expect.stringMatching(msg) })]);
    }
  });
});
