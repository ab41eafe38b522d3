import { createHash, randomUUID } from 'node:crypto';
import type { HierarchyLevel } from '../core/asset.js';
import type { RuleInstance } from '../rules/load.js';
import { renderTemplate, type TemplateContext } from '../rules/template.js';

export type Priority = 1 | 2 | 3 | 4;

/** What a rule saw when it fired: each tag it reads with its value, and each limit it compares. */
export interface Evidence {
  /** Time of the sample that raised the alarm (ISO 8601). */
  ts: string;
  /** The tags the condition reads, then the asset's other tags as a snapshot for the technician. */
  values: { tag: string; value: number | null; unit: string | undefined }[];
  limits: { tag: string; operator: string; limit: number | number[] | string; value: number | null; unit: string | undefined }[];
}

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

export function idempotencyKey(gatewayId: string, ruleId: string, assetId: string, episode: number): string {
  const h = createHash('sha256').update(`${gatewayId}\u0000${ruleId}\u0000${assetId}\u0000${episode}`).digest('hex').slice(0, 32);
  return `cbm-${h}`;
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

export function collectEvidence(inst: RuleInstance, ts: number, tagValue: (index: number) => number): Evidence {
  const values = new Map<string, { tag: string; value: number | null; unit: string | undefined }>();
  const limits = inst.compiled.leaves.map((l) => {
    const v = num(l.binding.read());
    values.set(l.binding.label, { tag: l.binding.label, value: v, unit: l.binding.unit });
    return { tag: l.binding.label, operator: l.operator, limit: l.limit, value: v, unit: l.binding.unit };
  });
  for (const t of inst.asset.tags) {
    if (!values.has(t.id)) values.set(t.id, { tag: t.id, value: num(tagValue(t.index)), unit: t.unit });
  }
  return { ts: new Date(ts).toISOString(), values: [...values.values()], limits };
}

export interface BuildContext {
  gatewayId: string;
  site: { id: string; name: string };
  /** Creation time (gateway clock). */
  now: number;
  /** Latest usable value of a tag by index (NaN when none). */
  tagValue: (index: number) => number;
}

export function buildWorkOrder(inst: RuleInstance, episode: number, ts: number, ctx: BuildContext): WorkOrder {
  const { rule, asset } = inst;
  const evidence = collectEvidence(inst, ts, ctx.tagValue);
  const value: Record<string, number | null> = {};
  const unit: Record<string, string> = {};
  const limit: Record<string, unknown> = {};
  for (const t of asset.tags) unit[t.id] = t.unit ?? '';
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
    idempotencyKey: idempotencyKey(ctx.gatewayId, rule.id, asset.id, episode),
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
    createdAt: new Date(ctx.now).toISOString(),
    evidence,
    safety: [...wo.safety],
    parts: wo.parts.map((p) => ({ number: p.number, description: p.description, quantity: p.quantity })),
    estimatedHours: wo.estimatedHours,
  };
}
