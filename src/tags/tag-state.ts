import type { Catalog } from './catalog.js';
import { Features } from './features.js';
import { LatestValues } from './latest.js';
import { Meters } from './meters.js';

/**
 * Everything the gateway knows about its tags between samples: the latest value of each (shown,
 * and read by the rules), the features rules asked for (windows, EWMA, CUSUM) and the usage meters
 * tags drive. The pipeline updates it; the rule stage reads it.
 */
export class TagState {
  readonly latest: LatestValues;
  readonly features: Features;
  readonly meters: Meters;

  constructor(readonly catalog: Catalog) {
    this.latest = new LatestValues(catalog.tags.length);
    this.features = new Features(catalog.tags.length, (t) => catalog.interval(t));
    this.meters = new Meters(catalog.meters, catalog.tags.length);
  }

  /** A good sample's derived state: the features and meters of its tag. */
  update(tag: number, ts: number, v: number): void {
    this.features.update(tag, ts, v);
    this.meters.update(tag, ts, v);
  }

  /** A Bad sample: counted in its tag's windows, so a window of mostly Bad data reads as unknown. */
  bad(tag: number, ts: number): void {
    this.features.bad(tag, ts);
  }
}
