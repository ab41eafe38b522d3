import type { Catalog } from '../tags/catalog.js';
import type { LatestValues } from '../tags/latest.js';

/** What a condition's `fact` resolves to for one asset: a reader and the tags it depends on. */
export interface FactBinding {
  read(): number;
  /** Tag indices whose samples should re-evaluate conditions that read this fact. */
  tags: number[];
  /** The tag id evidence reports it as, and its unit. */
  label: string;
  unit: string | undefined;
}

/** Resolves a fact name (+ params) on an asset, or returns why it cannot. */
export type FactResolver = (fact: string, params: Record<string, unknown> | undefined, assetId: string) => FactBinding | string;

/**
 * The spine's facts: a fact named like a tag of the rule's asset is that tag's latest usable
 * value (NaN until one arrives, and a comparison with NaN is false). `params.asset` reads the
 * tag of another asset.
 */
export function tagFacts(catalog: Catalog, latest: LatestValues): FactResolver {
  return (fact, params, assetId) => {
    const target = typeof params?.asset === 'string' ? params.asset : assetId;
    const extra = Object.keys(params ?? {}).filter((k) => k !== 'asset');
    if (extra.length) return `unsupported params ${extra.join(', ')} for tag fact "${fact}"`;
    const info = catalog.tag(`${target}/${fact}`);
    if (!info) {
      const known = catalog.asset(target)?.tags.map((t) => t.id) ?? [];
      return `unknown fact "${fact}": asset "${target}" has no such tag (tags: ${known.join(', ') || 'none'})`;
    }
    const num = latest.num;
    const i = info.index;
    return { read: () => num[i]!, tags: [i], label: target === assetId ? info.id : info.key, unit: info.unit };
  };
}
