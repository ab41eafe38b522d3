/** One level of the site hierarchy (ISA-95: site > area > line > asset). */
export interface HierarchyLevel {
  level: 'site' | 'area' | 'line' | 'asset';
  id: string;
  name: string;
}

export interface TagInfo {
  /** Dense index, stable for the life of the process; the hot path works on it, not on strings. */
  index: number;
  key: string;
  assetId: string;
  id: string;
  name: string;
  unit: string | undefined;
  min: number | undefined;
  max: number | undefined;
  /** What values it takes (see the site config's `type`); `any` when neither stated nor implied by a unit or range. */
  type: 'number' | 'boolean' | 'text' | 'any';
}

export interface MeterInfo {
  /** Dense index into the meter store. */
  index: number;
  key: string;
  assetId: string;
  id: string;
  type: 'runHours' | 'starts';
  /** Index of the tag that drives it. */
  tagIndex: number;
  above: number | undefined;
  maxGap: number;
}

export interface AssetInfo {
  id: string;
  name: string;
  class: string | undefined;
  serialNumber: string | undefined;
  manufacturer: string | undefined;
  model: string | undefined;
  criticality: 'A' | 'B' | 'C';
  /** Site down to the asset itself. */
  location: HierarchyLevel[];
  /** `site/area/line/asset` ids joined with `/`. */
  path: string;
  attributes: Readonly<Record<string, string | number | boolean>>;
  tags: TagInfo[];
  meters: MeterInfo[];
}
