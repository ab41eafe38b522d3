import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.js';
import { loadConfig, resolveFrom } from '../../../src/config/load.js';
import { History } from '../../../src/history/history.js';
import { openStore } from '../../../src/store/db.js';
import { Catalog } from '../../../src/tags/catalog.js';

const DAY = 86_400_000;

/**
 * Fills a site's store with history before its gateway starts, as an earlier run would have:
 * `add(key, ts, value)` per sample (`asset/tag` keys), flushed every 10 minutes of sample time and
 * closed at `end`.
 */
export function seedHistory(siteFile: string, end: number, fill: (add: (key: string, ts: number, value: number) => void) => void): void {
  const loaded = loadConfig(siteFile);
  const catalog = new Catalog(loaded.config);
  const db = openStore(join(resolveFrom(loaded.baseDir, loaded.config.gateway.dataDir), 'gateway.db'));
  const h = new History(db, catalog.tags, { minutes: 7 * DAY, hours: 90 * DAY, log: silentLogger });
  let flushed = -Infinity;
  fill((key, ts, value) => {
    const tag = catalog.tag(key);
    if (!tag) throw new Error(`seedHistory: no tag ${key}`);
    h.add(tag.index, ts, value);
    if (ts - flushed >= 600_000) h.flush((flushed = ts));
  });
  h.close(end);
  db.close();
}
