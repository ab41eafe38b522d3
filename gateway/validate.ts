import { resolveFrom, type LoadedConfig } from '../src/config/load.js';
import { tagFacts } from '../src/rules/facts.js';
import { loadRules, ruleFiles } from '../src/rules/load.js';
import { Catalog } from '../src/tags/catalog.js';
import { LatestValues } from '../src/tags/latest.js';

/** Loads the config's rule files against its assets, as `start` would; throws every problem. */
export function validateRules(loaded: LoadedConfig): { rules: number; instances: number } {
  const catalog = new Catalog(loaded.config);
  const latest = new LatestValues(catalog.tags.length);
  const files = ruleFiles(loaded.config.rules.map((r) => resolveFrom(loaded.baseDir, r)));
  const r = loadRules(files, catalog, tagFacts(catalog, latest));
  return { rules: r.rules.length, instances: r.instances.length };
}
