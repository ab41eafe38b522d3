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
import type { PlannedItem, SubscriptionPlan } from './plan.js';
import type { Resolved } from './resolve.js';

/** What the source needs from a live subscription: its health and how to close it. */
export interface LiveSubscription {
  readonly plan: SubscriptionPlan;
  readonly sub: ClientSubscription;
  /** Receive time (ms) of the last Publish response, data or keep-alive. */
  lastPublish: number;
  /** Items the server refused (unknown node, filter not allowed…). */
  failed: number;
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
  const live: LiveSubscription = { plan, sub, lastPublish: ev.now(), failed: 0, dataChanges: 0 };
  sub.on('raw_notification', () => {
    live.lastPublish = ev.now();
  });
  sub.on('status_changed', (status: StatusCode) => {
    // BadTimeout: the server closed the subscription (Part 4 §5.13.1.1 h).
    if (status.isNotGood()) ev.gone(live, status.name);
  });
  sub.on('terminated', () => ev.gone(live, 'subscription terminated'));

  for (const batch of plan.batches) {
    const items: PlannedItem[] = [];
    const nodeIds: NodeId[] = [];
    for (const it of batch.items) {
      const r = resolved.get(it.index);
      if (r?.ok) {
        items.push(it);
        nodeIds.push(r.nodeId);
      } else {
        live.failed++;
        ev.refused(it, r?.reason ?? 'BadNodeIdUnknown');
      }
    }
    if (items.length === 0) continue;
    const group = await sub.monitorItems(
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
      if (isBad(status)) {
        live.failed++;
        ev.refused(items[i]!, status.name);
      }
    });
  }
  return live;
}
