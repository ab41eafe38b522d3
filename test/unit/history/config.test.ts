import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ProblemsError } from '../../../src/config/problems.js';

const base = 'gateway: { id: gw }\nsite: { id: s, name: S }\n';

describe('history config', () => {
  it('is on by default: 1-minute aggregates for 7 days, 1-hour for 90', () => {
    expect(loadConfig('/plant/site.yaml', {}, base).config.history).toEqual({ enabled: true, minutes: 7 * 86_400_000, hours: 90 * 86_400_000 });
  });

  it('takes durations and says where a bad one is', () => {
    expect(loadConfig('/plant/site.yaml', {}, `${base}history: { minutes: 14d, hours: 52w }\n`).config.history).toEqual({ enabled: true, minutes: 14 * 86_400_000, hours: 364 * 86_400_000 });
    let err: unknown;
    try {
      loadConfig('/plant/site.yaml', {}, `${base}history:\n  minutes: 10m\n  hours: 2d\n  keep: forever\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProblemsError);
    expect((err as ProblemsError).problems.map((p) => `${p.line}: ${p.path}: ${p.message}`)).toEqual([
      '4: history.minutes: expected at least 1h',
      '4: history: unknown key "keep"; check the spelling against the config reference',
    ]);
  });
});
