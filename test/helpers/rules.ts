import type { AssetInfo } from '../../src/core/asset.js';
import { Catalog } from '../../src/tags/catalog.js';
import { LatestValues } from '../../src/tags/latest.js';
import type { RuleInstance } from '../../src/rules/load.js';
import { compileCondition } from '../../src/rules/compile.js';
import { tagFacts } from '../../src/rules/facts.js';
import { ruleSchema, type RuleConfig } from '../../src/rules/schema.js';

/** A catalog of one asset with the given numeric tags, and its latest-value store. */
export function oneAsset(tags: string[], assetId = 'a-1') {
  const catalog = new Catalog({
    site: { id: 's', name: 'Site' },
    areas: [],
    assets: [{ id: assetId, name: 'Asset', class: 'pump', criticality: 'B', tags: tags.map((id) => ({ id, unit: 'u' })) }],
  });
  const latest = new LatestValues(catalog.tags.length);
  const set = (tag: string, v: number, ts = 0) => latest.set(catalog.tag(`${assetId}/${tag}`)!.index, v, v, ts, 'Good', undefined);
  return { catalog, latest, set, asset: catalog.asset(assetId) as AssetInfo, facts: tagFacts(catalog, latest) };
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
