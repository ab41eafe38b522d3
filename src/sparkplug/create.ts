import { join } from 'node:path';
import type { SparkplugConfig } from '../config/fleet.js';
import type { AssetInfo } from '../core/asset.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Sample } from '../core/sample.js';
import type { TimeSeriesWriter } from '../timeseries/writer.js';
import { BdSeqFile } from './bdseq.js';
import { EdgeNode } from './edge-node.js';
import { EdgeModel } from './model.js';

export interface EdgeNodeContext {
  gatewayId: string;
  site: { id: string; name: string };
  assets: readonly AssetInfo[];
  tagCount: number;
  /** The gateway's data dir: bdSeq is kept in `<dataDir>/sparkplug-bdseq.json`. */
  dataDir: string;
  clock: Clock;
  log: Logger;
  version?: string | undefined;
}

/** Builds the edge node from the `sparkplug:` config: group = site, node = gateway unless set. */
export function createEdgeNode(cfg: SparkplugConfig, x: EdgeNodeContext): EdgeNode {
  const props: Record<string, string> = { Site: x.site.id, 'Site Name': x.site.name, Gateway: x.gatewayId };
  if (x.version) props.Software = `cbm-gateway ${x.version}`;
  const model = new EdgeModel({
    assets: x.assets,
    tagCount: x.tagCount,
    deadbandOf: (key) => cfg.deadbands[key] ?? cfg.deadband,
    alarms: cfg.alarms,
    workOrders: cfg.workOrders,
    nodeProperties: props,
  });
  return new EdgeNode({
    cfg,
    groupId: cfg.groupId ?? x.site.id,
    edgeNodeId: cfg.edgeNodeId ?? x.gatewayId,
    model,
    bdSeq: new BdSeqFile(join(x.dataDir, 'sparkplug-bdseq.json')),
    clock: x.clock,
    log: x.log,
  });
}

/**
 * The edge node listens where the time-series writer does: to every accepted sample, after
 * validation. This wraps the writer (or stands in for it when InfluxDB is off) and hands each
 * sample on by catalog index.
 */
export function tapWriter(writer: TimeSeriesWriter | undefined, edge: Pick<EdgeNode, 'sample'>, indexOf: (s: Sample) => number | undefined): TimeSeriesWriter {
  return {
    write(s, measurement, assetId, tagId) {
      writer?.write(s, measurement, assetId, tagId);
      const i = indexOf(s);
      if (i !== undefined) edge.sample(i, s.ts, s.value, s.quality);
    },
    flush: async () => writer?.flush(),
    close: async (graceMs?: number) => writer?.close(graceMs),
    stats: () => writer?.stats() ?? { written: 0, failedBatches: 0, lastError: undefined, connected: true },
  };
}
