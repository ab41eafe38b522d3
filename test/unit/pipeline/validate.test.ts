import { describe, expect, it } from 'vitest';
import { siteConfigSchema } from '../../../src/config/schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Sample } from '../../../src/core/sample.js';
import { Stages } from '../../../src/pipeline/stages.js';
import { openStore } from '../../../src/store/db.js';
import { pumpSite } from '../../helpers/gateway.js';

/** One pump: bearing_temp in -40..200, vibration 0..100, speed with no range, level with a minimum only. */
function setup() {
  const base = pumpSite(1);
  const asset = base.assets![0]!;
  const site = siteConfigSchema.parse({
    ...base,
    assets: [{ ...asset, tags: [...asset.tags!, { id: 'speed', unit: 'rpm' }, { id: 'level', unit: '%', range: { min: 5 } }] }],
    rules: [],
  });
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 8));
  const stages = new Stages({ config: site, db: openStore(':memory:'), clock, log: silentLogger, startedAt: clock.now(), targetIds: () => [] });
  const { pipeline, catalog } = stages;
  const { latest } = stages.tags;
  const index = (tag: string) => catalog.tag(`p-1/${tag}`)!.index;
  return { pipeline, latest, index, t: clock.now() };
}

describe('ingest checks each sample against its tag', () => {
  // MQTT hands samples over with the tag's index resolved; other sources by key only.
  for (const resolved of [false, true]) {
    it(`marks values outside a tag's range Bad and drops unknown tags (${resolved ? 'index resolved' : 'by key'})`, () => {
      const { pipeline, latest, index, t } = setup();
      const s = (tag: string, value: number): Sample => ({ tag: `p-1/${tag}`, ts: t, value, quality: 'Good', ...(resolved ? { index: index(tag) } : {}) });
      pipeline.ingest([
        s('bearing_temp', 200), // on the bound: in range
        s('vibration', 100.5),
        s('speed', -1e9), // no range: anything goes
        s('level', 4.9),
        s('level', 1e9), // a minimum only
        { tag: 'p-9/speed', ts: t, value: 1, quality: 'Good' },
      ]);
      expect(pipeline.stats).toMatchObject({ received: 6, accepted: 3, bad: 2, outOfRange: 2, unknownTag: 1 });
      expect(latest.get(index('vibration'))).toMatchObject({ value: 100.5, quality: 'Bad', reason: 'out_of_range' });
      expect(latest.get(index('bearing_temp'))).toMatchObject({ value: 200, quality: 'Good' });
      expect(latest.get(index('speed'))).toMatchObject({ value: -1e9, quality: 'Good' });
      expect(latest.get(index('level'))).toMatchObject({ value: 1e9, quality: 'Good' });
    });
  }
});
