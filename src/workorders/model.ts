import { createHash, randomUUID } from 'node:crypto';
import type { AlarmTransition } from '../alarms/book.js';
import type { AssetInfo, HierarchyLevel } from '../core/asset.js';
import type { Priority } from '../core/priority.js';
import { renderTemplate, type TemplateContext } from '../core/template.js';
import { isoTime } from '../core/timestamp.js';
import type { Evidence } from '../rules/evidence.js';
import type { RuleConfig } from '../rules/schema.js';

export type { Priority };

export type { Evidence };

/**
 * The work order as every target receives it; the webhook posts exactly this JSON. Fields are
 * only ever added, never renamed (README: webhook contract).
 */
export interface WorkOrder {
  id: string;
  /** One per alarm episode: `<gateway>:<rule>:<asset>:<episode>`, hashed to 32 hex chars. */
  idempotencyKey: string;
  gatewayId: string;
  site: { id: string; name: string };
  asset: {
    id: string;
    name: string;
    path: string;
    location: HierarchyLevel[];
    class: string | undefined;
    serialNumber: string | undefined;
    manufacturer: string | undefined;
    model: string | undefined;
    criticality: 'A' | 'B' | 'C';
  };
  title: string;
  description: string;
  priority: Priority;
  type: 'CM' | 'PM' | 'PdM';
  rule: { id: string; name: string; episode: number };
  createdAt: string;
  evidence: Evidence;
  safety: string[];
  parts: { number: string; description: string | undefined; quantity: number }[];
  estimatedHours: number | undefined;
}

/**
 * One key per alarm episode: gateway, site, the store's install id (a data dir replaced empty
 * counts episodes from 1 again), rule, asset and episode, hashed.
 */
export function idempotencyKey(scope: KeyScope, ruleId: string, assetId: string, episode: number): string {
  const h = createHash('sha256').update(`${scope.gatewayId}\u0000${scope.siteId}\u0000${scope.installId}\u0000${ruleId}\u0000${assetId}\u0000${episode}`).digest('hex').slice(0, 32);
  return `cbm-${h}`;
}

/** What scopes an idempotency key beyond the episode, so keys never collide across a fleet or a reinstall. */
export interface KeyScope {
  gatewayId: string;
  siteId: string;
  installId: string;
}

export interface BuildContext {
  gatewayId: string;
  site: { id: string; name: string };
  /** The store's install id (src/store/meta.ts). */
  installId: string;
  /** Creation time (gateway clock). */
  now: number;
}

/**
 * The work order an alarm transition calls for, from plain values: the transition (ids, episode,
 * the evidence captured when the episode raised), the rule's work-order template and the asset.
 */
export function buildWorkOrder(t: AlarmTransition, rule: RuleConfig, asset: AssetInfo, ctx: BuildContext): WorkOrder {
  const episode = t.state.episode;
  const evidence: Evidence = t.evidence ?? { ts: isoTime(t.ts), values: [], limits: [] };
  const value: Record<string, number | null> = {};
  const unit: Record<string, string> = {};
  const limit: Record<string, unknown> = {};
  for (const tag of asset.tags) unit[tag.id] = tag.unit ?? '';
  for (const v of evidence.values) value[v.tag] = v.value;
  for (const l of evidence.limits) limit[l.tag] = l.limit;
  const tctx: TemplateContext = {
    asset,
    rule,
    value,
    unit,
    limit,
    priority: rule.priority,
    time: evidence.ts,
    episode,
    site: ctx.site,
  };
  const wo = rule.workOrder;
  return {
    id: randomUUID(),
    idempotencyKey: idempotencyKey({ gatewayId: ctx.gatewayId, siteId: ctx.site.id, installId: ctx.installId }, rule.id, asset.id, episode),
    gatewayId: ctx.gatewayId,
    site: ctx.site,
    asset: {
      id: asset.id,
      name: asset.name,
      path: asset.path,
      location: asset.location,
      class: asset.class,
      serialNumber: asset.serialNumber,
      manufacturer: asset.manufacturer,
      model: asset.model,
      criticality: asset.criticality,
    },
    title: renderTemplate(wo.title, tctx),
    description: renderTemplate(wo.description, tctx),
    priority: rule.priority,
    type: wo.type,
    rule: { id: rule.id, name: rule.name, episode },
    createdAt: isoTime(ctx.now),
    evidence,
    safety: [...wo.safety],
    parts: wo.parts.map((p) => ({ number: p.number, description: p.description, quantity: p.quantity })),
    estimatedHours: wo.estimatedHours,
  };
}

/**
 * The order the flood guard makes when it first holds one back in `scope` (an asset or an area):
 * it says what is going on, lists the first order it held (later ones arrive as its updates) and
 * takes that order's priority.
 */
export function buildFloodOrder(scope: string, scopeName: string, episode: number, first: WorkOrder, ctx: BuildContext, flood: { count: number; window: number }): WorkOrder {
  const minutes = Math.round(flood.window / 60_000);
  return {
    ...first,
    id: randomUUID(),
    idempotencyKey: idempotencyKey({ gatewayId: ctx.gatewayId, siteId: ctx.site.id, installId: ctx.installId }, 'alarm-flood', scope, episode),
    title: `Alarm flood on ${scopeName}: orders held`,
    description:
      `More than ${flood.count} work orders within ${minutes} minutes on ${scopeName} (EEMUA 191 flood). ` +
      `Further orders are held and listed here instead of being sent one by one; look for a common cause ` +
      `(a process upset, a power dip, a failed sensor network). Held so far: ${first.title} (P${first.priority}, rule ${first.rule.id}).`,
    type: 'CM',
    rule: { id: 'alarm-flood', name: 'Alarm flood', episode },
    createdAt: isoTime(ctx.now),
    safety: [],
    parts: [],
    estimatedHours: undefined,
  };
}
