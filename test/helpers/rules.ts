import type { AssetInfo } from '../../src/core/asset.js';
import { Catalog } from '../../src/tags/catalog.js';
import { LatestValues } from '../../src/tags/latest.js';
import type { RuleInstance } from '../../src/rules/load.js';
import { compileCondition } from '../../src/rules/compile.js';
import { siteFacts } from '../../src/rules/facts.js';
import { Baselines } from '../../src/rules/baselines.js';
import { Features } from '../../src/tags/features.js';
import { Meters } from '../../src/tags/meters.js';
import { ruleSchema, type RuleConfig } from '../../src/rules/schema.js';

/** A catalog of one asset with the given numeric tags, and its latest-value store. */
export function oneAsset(tags: string[], assetId = 'a-1') {
  const catalog = new Catalog({
    site: { id: 's', name: 'Site' },
    areas: [],
    assets: [{ id: assetId, name: 'Asset', class: 'pump', criticality: 'B', attributes: {}, meters: [], tags: tags.map((id) => ({ id, unit: 'u' })) }],
  });
  const latest = new LatestValues(catalog.tags.length);
  const set = (tag: string, v: number, ts = 0) => latest.set(catalog.tag(`${assetId}/${tag}`)!.index, v, v, ts, 'Good', undefined);
  const features = new Features(catalog.tags.length);
  const meters = new Meters(catalog.meters, catalog.tags.length);
  const facts = siteFacts({ catalog, latest, features, meters, baselines: new Baselines(), startedAt: () => 0 });
  return { catalog, latest, set, features, asset: catalog.asset(assetId) as AssetInfo, facts };
}

export function instance(rule: Partial<RuleConfig> & Record<string, unknown>, env: ReturnType<typeof oneAsset>): RuleInstance {
  const r = ruleSchema.parse({ id: 'r', name: 'R', asset: env.asset.id, priority: 3, workOrder: { title: 't' }, ...rule });
  return {
    key: `${r.id}@${env.asset.id}`,
    rule: r,
    file: 'test.yaml',
    asset: env.asset,
    compiled: compileCondition(r.conditions, env.asset.id, env.facts, r.deadband),
    clear: r.clear ? compileCondition(r.clear, env.asset.id, env.facts) : undefined,
  };
}
