import {
  AttributeIds,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  TimestampsToReturn,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type NodeId,
  type StatusCode,
} from 'node-opcua';
import type { DeadbandConfig } from '../../config/sources/opcua.js';
import type { ItemBatch, PlannedItem, SubscriptionPlan } from './plan.js';
import type { Resolved } from './resolve.js';

/** What the source needs from a live subscription: its health and how to close it. */
export interface LiveSubscription {
  readonly plan: SubscriptionPlan;
  readonly sub: ClientSubscription;
  /** Receive time (ms) of the last Publish response, data or keep-alive. */
  lastPublish: number;
  /** Items not monitored (unknown node, no browse-path match, filter not allowed…), by item index, for retries. */
  readonly refused: Map<number, { item: PlannedItem; batch: ItemBatch }>;
  dataChanges: number;
}

export interface SubscriptionEvents {
  now(): number;
  value(item: PlannedItem, dv: DataValue): void;
  /** An item could not be monitored; the source turns this into a Bad sample that says why. */
  refused(item: PlannedItem, reason: string): void;
  /** The server ended the subscription (lifetime expired, BadTimeout) or it terminated locally. */
  gone(live: LiveSubscription, why: string): void;
}

/** Part 4 §7.17.2 DataChangeFilter; trigger StatusValue is the default Part 4 names. */
function filterOf(d: DeadbandConfig | undefined): DataChangeFilter | null {
  if (!d || d.value === 0) return null;
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: d.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
    deadbandValue: d.value,
  });
}

const isBad = (s: StatusCode | undefined) => s !== undefined && s.isNotGood();

/**
 * Creates one subscription for a plan and its monitored items, one CreateMonitoredItems call per
 * batch (node-opcua's ClientMonitoredItemGroup). Server lifetime = 3 × keep-alive, the minimum
 * Part 4 §5.13.2.2 asks for, so a lost client frees the server soon, and a keep-alive arrives
 * every `maxKeepAliveCount` idle cycles so that silence means something is wrong.
 */
export async function createSubscription(
  session: ClientSession,
  plan: SubscriptionPlan,
  resolved: Map<number, Resolved>,
  maxKeepAliveCount: number,
  ev: SubscriptionEvents,
): Promise<LiveSubscription> {
  const sub = await session.createSubscription2({
    requestedPublishingInterval: plan.publishingInterval,
    requestedMaxKeepAliveCount: maxKeepAliveCount,
    requestedLifetimeCount: maxKeepAliveCount * 3,
    maxNotificationsPerPublish: 0, // no limit: let a publish carry every change of the cycle
    publishingEnabled: true,
    priority: 1,
  });
  const live: LiveSubscription = { plan, sub, lastPublish: ev.now(), refused: new Map(), dataChanges: 0 };
  sub.on('raw_notification', () => {
    live.lastPublish = ev.now();
  });
  sub.on('status_changed', (status: StatusCode) => {
    // BadTimeout: the server closed the subscription (Part 4 §5.13.1.1 h).
    if (status.isNotGood()) ev.gone(live, status.name);
  });
  sub.on('terminated', () => ev.gone(live, 'subscription terminated'));

  for (const batch of plan.batches) await monitorBatch(live, batch, batch.items, resolved, ev);
  return live;
}

/**
 * Adds `items` of one batch to a live subscription (one CreateMonitoredItems call). Items that
 * did not resolve or that the server refuses are remembered in `live.refused`, so that
 * {@link retryRefused} can try them again: a PLC being downloaded or a server still loading its
 * address space refuses nodes that exist a minute later.
 */
async function monitorBatch(live: LiveSubscription, batch: ItemBatch, candidates: readonly PlannedItem[], resolved: Map<number, Resolved>, ev: SubscriptionEvents): Promise<void> {
  const items: PlannedItem[] = [];
  const nodeIds: NodeId[] = [];
  const refuse = (it: PlannedItem, reason: string) => {
    live.refused.set(it.index, { item: it, batch });
    ev.refused(it, reason);
  };
  for (const it of candidates) {
    const r = resolved.get(it.index);
    if (r?.ok) {
      items.push(it);
      nodeIds.push(r.nodeId);
    } else refuse(it, r?.reason ?? 'BadNodeIdUnknown');
  }
  if (items.length === 0) return;
  const group = await live.sub.monitorItems(
    nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
    { samplingInterval: batch.samplingInterval, queueSize: batch.queueSize, discardOldest: true, filter: filterOf(batch.deadband) },
    TimestampsToReturn.Both,
  );
  group.on('changed', (_mi, dv: DataValue, index: number) => {
    live.dataChanges++;
    ev.value(items[index]!, dv);
  });
  group.monitoredItems.forEach((mi, i) => {
    const status = mi.result?.statusCode ?? mi.statusCode;
    if (isBad(status)) refuse(items[i]!, status.name);
    else live.refused.delete(items[i]!.index);
  });
}

/** Tries the refused items of a live subscription again, resolving their NodeIds afresh. */
export async function retryRefused(live: LiveSubscription, resolve: (items: PlannedItem[]) => Promise<Map<number, Resolved>>, ev: SubscriptionEvents): Promise<void> {
  if (live.refused.size === 0) return;
  const byBatch = new Map<ItemBatch, PlannedItem[]>();
  for (const { item, batch } of live.refused.values()) byBatch.set(batch, [...(byBatch.get(batch) ?? []), item]);
  const resolved = await resolve([...live.refused.values()].map((r) => r.item));
  for (const [batch, items] of byBatch) await monitorBatch(live, batch, items, resolved, ev);
}
