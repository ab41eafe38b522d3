import type { AssetInfo, HierarchyLevel, MeterInfo, TagInfo } from '../core/asset.js';
import { tagKey } from '../core/sample.js';
import type { SiteConfig } from '../config/schema.js';

/** The site's assets and tags, indexed once at start-up. Read-only afterwards. */
export class Catalog {
  readonly assets: ReadonlyMap<string, AssetInfo>;
  readonly tags: readonly TagInfo[];
  readonly meters: readonly MeterInfo[];
  private readonly byKey: Map<string, TagInfo>;
  private readonly meterByKey = new Map<string, MeterInfo>();
  /** Each tag's configured reporting interval (ms) by tag index; NaN where the site config gives none. */
  private readonly intervals: number[] = [];

  constructor(cfg: Pick<SiteConfig, 'site' | 'areas' | 'assets'>) {
    const assets = new Map<string, AssetInfo>();
    const tags: TagInfo[] = [];
    const meters: MeterInfo[] = [];
    this.byKey = new Map();
    const site: HierarchyLevel = { level: 'site', id: cfg.site.id, name: cfg.site.name };
    for (const a of cfg.assets) {
      const location: HierarchyLevel[] = [site];
      if (a.line) {
        const [areaId, lineId] = a.line.split('/');
        const area = cfg.areas.find((x) => x.id === areaId);
        const line = area?.lines.find((l) => l.id === lineId);
        if (area) location.push({ level: 'area', id: area.id, name: area.name });
        if (line) location.push({ level: 'line', id: line.id, name: line.name });
      }
      location.push({ level: 'asset', id: a.id, name: a.name });
      const info: AssetInfo = {
        id: a.id,
        name: a.name,
        class: a.class,
        serialNumber: a.serialNumber,
        manufacturer: a.manufacturer,
        model: a.model,
        criticality: a.criticality,
        location,
        path: location.map((l) => l.id).join('/'),
        attributes: a.attributes,
        tags: [],
        meters: [],
      };
      for (const t of a.tags) {
        const ti: TagInfo = {
          index: tags.length,
          key: tagKey(a.id, t.id),
          assetId: a.id,
          id: t.id,
          name: t.name ?? t.id,
          unit: t.unit,
          min: t.range?.min,
          max: t.range?.max,
          type: t.type ?? (t.unit !== undefined || t.range !== undefined ? 'number' : 'any'),
        };
        tags.push(ti);
        this.intervals.push(t.interval ?? Number.NaN);
        info.tags.push(ti);
        this.byKey.set(ti.key, ti);
      }
      for (const m of a.meters) {
        const src = this.byKey.get(tagKey(a.id, m.tag));
        if (!src) continue; // the schema reports it
        const mi: MeterInfo = { index: meters.length, key: tagKey(a.id, m.id), assetId: a.id, id: m.id, type: m.type, tagIndex: src.index, above: m.above, maxGap: m.maxGap };
        meters.push(mi);
        info.meters.push(mi);
        this.meterByKey.set(mi.key, mi);
      }
      assets.set(a.id, info);
    }
    this.assets = assets;
    this.tags = tags;
    this.meters = meters;
  }

  meter(key: string): MeterInfo | undefined {
    return this.meterByKey.get(key);
  }

  tag(key: string): TagInfo | undefined {
    return this.byKey.get(key);
  }

  /** The reporting interval (ms) the site config gives tag `index`; NaN when it gives none (learned then). */
  interval(index: number): number {
    return this.intervals[index] ?? Number.NaN;
  }

  asset(id: string): AssetInfo | undefined {
    return this.assets.get(id);
  }
}
