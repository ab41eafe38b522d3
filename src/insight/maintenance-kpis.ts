import type { Priority } from '../core/priority.js';
import type { OrderFact } from './store.js';

/**
 * Maintenance KPIs from the work orders and the status history the CMMS reported back (EN 15341
 * and SMRP names where they exist). Orders held back by a flood guard were never sent and count
 * nowhere except `held`; flood orders count in the backlog but not in the shares, MTTR or MTBF.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Backlog age buckets, in days: [0, 1), [1, 7), [7, 30), 30 and over. */
export const AGE_BUCKETS = [
  { label: 'under 1 day', below: 1 },
  { label: '1 to 7 days', below: 7 },
  { label: '7 to 30 days', below: 30 },
  { label: '30 days and over', below: Infinity },
] as const;

export interface Spread {
  n: number;
  /** Hours; null when n is 0. */
  mean: number | null;
  median: number | null;
}

export function spread(hours: readonly number[]): Spread {
  if (hours.length === 0) return { n: 0, mean: null, median: null };
  const s = [...hours].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, mean: round(s.reduce((a, b) => a + b, 0) / s.length), median: round(median) };
}

const round = (h: number) => Math.round(h * 100) / 100;
const isOpen = (o: OrderFact) => o.status !== 'completed' && o.status !== 'cancelled';
const firstAt = (o: OrderFact, status: string) => o.history.find((h) => h.status === status)?.at;
const zero = (): Record<Priority, number> => ({ 1: 0, 2: 0, 3: 0, 4: 0 });

export interface MaintenanceKpiInput {
  from: number;
  to: number;
  orders: readonly OrderFact[];
}

/** Maintenance KPIs over [from, to]; the backlog is as of `to`. */
export function maintenanceKpis(k: MaintenanceKpiInput) {
  const sent = k.orders.filter((o) => o.kind !== 'held');
  const inWindow = (t: number | undefined) => t !== undefined && t >= k.from && t <= k.to;

  // Backlog: open now, by priority and by age.
  const open = sent.filter(isOpen);
  const byPriority = zero();
  const byAge = AGE_BUCKETS.map((b) => ({ bucket: b.label, counts: zero(), total: 0 }));
  for (const o of open) {
    byPriority[o.priority]++;
    const days = (k.to - o.createdAt) / DAY;
    const row = byAge[AGE_BUCKETS.findIndex((b) => days < b.below)]!;
    row.counts[o.priority]++;
    row.total++;
  }
  const oldest = open.reduce((m, o) => Math.min(m, o.createdAt), Infinity);

  // Condition orders made in the window (not flood orders) by work type.
  const made = sent.filter((o) => o.kind === 'condition' && inWindow(o.createdAt));
  const types = { condition: 0, pm: 0, corrective: 0 };
  for (const o of made) types[o.type === 'PdM' ? 'condition' : o.type === 'PM' ? 'pm' : 'corrective']++;
  const share = (n: number) => (made.length ? n / made.length : 0);

  // MTTR: corrective orders completed in the window, from creation (and from the start of work) to completion.
  const corrective = sent.filter((o) => o.kind === 'condition' && o.type === 'CM');
  const repaired = corrective.filter((o) => inWindow(firstAt(o, 'completed')));
  const toComplete = repaired.map((o) => (firstAt(o, 'completed')! - o.createdAt) / HOUR);
  const wrench = repaired.flatMap((o) => {
    const start = firstAt(o, 'in_progress');
    return start === undefined ? [] : [(firstAt(o, 'completed')! - start) / HOUR];
  });

  // MTBF per asset: the mean interval between consecutive corrective orders made in the window.
  const perAsset = new Map<string, number[]>();
  for (const o of corrective) if (inWindow(o.createdAt)) perAsset.set(o.asset, [...(perAsset.get(o.asset) ?? []), o.createdAt]);
  const mtbf = [...perAsset.entries()]
    .map(([asset, ts]) => {
      const s = ts.sort((a, b) => a - b);
      const gaps = s.slice(1).map((t, i) => (t - s[i]!) / HOUR);
      return { asset, correctiveOrders: s.length, mtbfHours: gaps.length ? round(gaps.reduce((a, b) => a + b, 0) / gaps.length) : null };
    })
    .sort((a, b) => (a.mtbfHours ?? Infinity) - (b.mtbfHours ?? Infinity) || b.correctiveOrders - a.correctiveOrders || a.asset.localeCompare(b.asset));

  // Condition (PdM) orders: how long until work started, until done, and how much warning they gave
  // (until a more urgent rule of their failure-mode group escalated them).
  const pdm = made.filter((o) => o.type === 'PdM');
  const since = (o: OrderFact, t: number | undefined) => (t === undefined ? [] : [(t - o.createdAt) / HOUR]);

  return {
    from: new Date(k.from).toISOString(),
    to: new Date(k.to).toISOString(),
    backlog: { total: open.length, byPriority, byAge, oldestDays: open.length ? round((k.to - oldest) / DAY) : null },
    orders: { made: made.length, floods: sent.filter((o) => o.kind === 'flood' && inWindow(o.createdAt)).length, held: k.orders.filter((o) => o.kind === 'held' && inWindow(o.createdAt)).length },
    shares: { counts: types, condition: share(types.condition), pm: share(types.pm), corrective: share(types.corrective) },
    mttr: { toComplete: spread(toComplete), repair: spread(wrench) },
    mtbf,
    conditionLeadTime: {
      toStart: spread(pdm.flatMap((o) => since(o, firstAt(o, 'in_progress')))),
      toComplete: spread(pdm.flatMap((o) => since(o, firstAt(o, 'completed')))),
      warning: spread(pdm.flatMap((o) => since(o, o.escalatedAt))),
    },
  };
}

export type MaintenanceKpis = ReturnType<typeof maintenanceKpis>;
