import type { SourceConfig } from './schema.js';

export interface TagRef {
  /** Path inside the source config, to the object that names the tag. */
  path: (string | number)[];
  asset: string;
  tag: string;
}

/**
 * The asset tags a source's static map names (Modbus points, OPC UA items, MQTT mappings with a
 * fixed asset and tag), so a typo is a config error at load, not a silently dropped sample.
 */
export function sourceTagRefs(s: SourceConfig): TagRef[] {
  switch (s.type) {
    case 'mqtt':
      return s.topics.flatMap((t, i) => (t.asset && t.tag ? [{ path: ['topics', i], asset: t.asset, tag: t.tag }] : []));
    case 'opcua':
      return s.items.map((it, i) => ({ path: ['items', i], asset: it.asset, tag: it.tag }));
    case 'modbus':
      return s.devices.flatMap((d, di) => [
        ...d.points.flatMap((p, i) => (p.asset ?? d.asset ? [{ path: ['devices', di, 'points', i], asset: (p.asset ?? d.asset)!, tag: p.tag }] : [])),
        ...d.groups.flatMap((g, gi) =>
          g.points.flatMap((p, i) => (p.asset ?? g.asset ?? d.asset ? [{ path: ['devices', di, 'groups', gi, 'points', i], asset: (p.asset ?? g.asset ?? d.asset)!, tag: p.tag }] : [])),
        ),
      ]);
    case 'sparkplug':
      return s.devices.flatMap((d, i) => Object.entries(d.metrics).map(([metric, tag]) => ({ path: ['devices', i, 'metrics', metric], asset: d.asset ?? d.device ?? d.node, tag })));
    default:
      return [];
  }
}
