import { isoTime } from '../core/timestamp.js';
import type { RuleInstance } from './load.js';

/** One value the rule saw: a tag, a window statistic, a meter. */
export interface EvidenceValue {
  tag: string;
  value: number | null;
  unit: string | undefined;
}

/** One comparison of the condition, with the value it compared. */
export interface EvidenceLimit {
  tag: string;
  operator: string;
  limit: number | number[] | string;
  value: number | null;
  unit: string | undefined;
}

/**
 * What a rule saw when its alarm raised, captured as plain values at that instant: each fact the
 * condition reads with its value, each limit it compares, then a snapshot of the asset's other
 * tags for the technician. It travels with the alarm transition into the work order; nothing
 * downstream reads the rule's live facts again.
 */
export interface Evidence {
  /** Time of the sample or tick that raised the alarm (ISO 8601). */
  ts: string;
  values: EvidenceValue[];
  limits: EvidenceLimit[];
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Reads the instance's facts now. `tagValue`: latest usable value of a tag by index (NaN when none). */
export function captureEvidence(inst: RuleInstance, ts: number, tagValue: (index: number) => number): Evidence {
  const values = new Map<string, EvidenceValue>();
  const limits = inst.compiled.leaves.map((l) => {
    const v = num(l.binding.read());
    values.set(l.binding.label, { tag: l.binding.label, value: v, unit: l.binding.unit });
    return { tag: l.binding.label, operator: l.operator, limit: l.limit, value: v, unit: l.binding.unit };
  });
  for (const t of inst.asset.tags) {
    if (!values.has(t.id)) values.set(t.id, { tag: t.id, value: num(tagValue(t.index)), unit: t.unit });
  }
  return { ts: isoTime(ts), values: [...values.values()], limits };
}
