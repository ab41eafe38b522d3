import type { DeadbandConfig, OpcuaItemConfig, OpcuaSourceConfig } from '../../config/sources/opcua.js';

/** One item with its inherited settings filled in. */
export interface PlannedItem {
  /** Index in the source's `items` list; also the key for its resolved NodeId. */
  index: number;
  tag: string;
  nodeId: string | undefined;
  browsePath: string | undefined;
  samplingInterval: number;
  queueSize: number;
  deadband: DeadbandConfig | undefined;
}

/** Items sharing monitoring parameters: created with one CreateMonitoredItems call. */
export interface ItemBatch {
  key: string;
  samplingInterval: number;
  queueSize: number;
  deadband: DeadbandConfig | undefined;
  items: PlannedItem[];
}

/** One subscription per publishing interval (Kepware and Ignition group the same way), holding its batches. */
export interface SubscriptionPlan {
  publishingInterval: number;
  batches: ItemBatch[];
  itemCount: number;
}

function withDefaults(it: OpcuaItemConfig, index: number, d: OpcuaSourceConfig['defaults']): PlannedItem & { publishingInterval: number } {
  return {
    index,
    tag: `${it.asset}/${it.tag}`,
    nodeId: it.nodeId,
    browsePath: it.browsePath,
    samplingInterval: it.samplingInterval ?? d.samplingInterval,
    queueSize: it.queueSize ?? d.queueSize,
    deadband: it.deadband ?? d.deadband,
    publishingInterval: it.publishingInterval ?? d.publishingInterval,
  };
}

/**
 * Groups the items into few subscriptions: one per distinct publishing interval, and inside each,
 * one batch per distinct (sampling interval, queue size, deadband). Servers limit subscriptions
 * per session (often 10–100), so one subscription per item — what some gateways do — does not scale.
 */
export function planSubscriptions(cfg: Pick<OpcuaSourceConfig, 'items' | 'defaults'>): SubscriptionPlan[] {
  const subs = new Map<number, Map<string, ItemBatch>>();
  cfg.items.forEach((it, i) => {
    const p = withDefaults(it, i, cfg.defaults);
    let batches = subs.get(p.publishingInterval);
    if (!batches) subs.set(p.publishingInterval, (batches = new Map()));
    const key = `${p.samplingInterval}|${p.queueSize}|${p.deadband ? `${p.deadband.type}:${p.deadband.value}` : '-'}`;
    let b = batches.get(key);
    if (!b) batches.set(key, (b = { key, samplingInterval: p.samplingInterval, queueSize: p.queueSize, deadband: p.deadband, items: [] }));
    const { publishingInterval: _, ...item } = p;
    b.items.push(item);
  });
  return [...subs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([publishingInterval, batches]) => ({ publishingInterval, batches: [...batches.values()], itemCount: [...batches.values()].reduce((n, b) => n + b.items.length, 0) }));
}
