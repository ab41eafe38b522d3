import { isoTime } from '../core/timestamp.js';
import type { SampleTable } from '../rules/sample-table.js';
import type { ReplayEvent } from './events.js';
import type { ReplayResult } from './backtest.js';
import { formatSpan, type LeadTime } from './lead-time.js';

const MONTH_DAYS = 365.25 / 12;

/**
 * How a rule set would have served a planner over the replayed time: how many work orders per
 * asset and month it makes (the figure to hold against what a planner can read: a handful per asset
 * a month, not hundreds), how many updates of open orders and flood holds, and, for each limit
 * given, how long before the fault the orders came.
 */
export interface Scorecard {
  type: 'scorecard';
  from: string;
  to: string;
  days: number;
  samples: { total: number; replayed: number; bad: number; notInSite: number };
  /** Assets with samples replayed. */
  assets: number;
  workOrders: number;
  /** Work orders per asset and month (a month: 1/12 of a year). */
  perAssetMonth: number;
  byAsset: { asset: string; orders: number; perMonth: number }[];
  byRule: { rule: string; orders: number }[];
  /** Updates of an open order by a further episode of its problem (order consolidation). */
  updates: number;
  /** Orders the flood guard held back. */
  floodHolds: number;
  alarms: { raised: number; chattering: number };
  leadTimes: LeadTime[];
}

export function scorecard(result: ReplayResult, table: SampleTable, knownSeries: Int32Array, leadTimes: LeadTime[] = []): Scorecard {
  const days = Math.max(0, result.to - result.from) / 86_400_000;
  const months = days / MONTH_DAYS;
  const assets = new Set<string>();
  const seen = new Uint8Array(table.names.length);
  for (let i = 0; i < table.length; i++) seen[table.series[i]!] = 1;
  table.names.forEach((n, s) => {
    if (seen[s] && knownSeries[s]! >= 0) assets.add(n.asset);
  });
  const count = (type: ReplayEvent['type']) => result.events.filter((e) => e.type === type);
  const orders = count('workorder');
  const byAsset = tally(orders, (e) => e.asset).map(([asset, n]) => ({ asset, orders: n, perMonth: rate(n, months) }));
  const alarms = count('alarm');
  return {
    type: 'scorecard',
    from: isoTime(result.from),
    to: isoTime(result.to),
    days: round(days, 2),
    samples: { total: result.samples, replayed: result.replayed, bad: result.bad, notInSite: result.samples - result.replayed },
    assets: assets.size,
    workOrders: orders.length,
    perAssetMonth: rate(orders.length, months * assets.size),
    byAsset,
    byRule: tally(orders, (e) => e.rule).map(([rule, n]) => ({ rule, orders: n })),
    updates: count('update').length,
    floodHolds: count('held').length,
    alarms: { raised: alarms.filter((e) => e.change === 'raised').length, chattering: alarms.filter((e) => e.change === 'chattering').length },
    leadTimes,
  };
}

/** Counts by key, most first (ties by key). */
function tally(events: ReplayEvent[], key: (e: ReplayEvent) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const e of events) m.set(key(e), (m.get(key(e)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function rate(n: number, months: number): number {
  return months > 0 ? round(n / months, 2) : 0;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const num = (x: number) => x.toLocaleString('en-US');

/** The scorecard for a person: a few lines, the busiest assets and rules first. */
export function formatScorecard(s: Scorecard, top = 10): string {
  const out = [`Scorecard  ${s.from} .. ${s.to}  (${s.days} days, ${s.assets} asset${s.assets === 1 ? '' : 's'})`];
  out.push(`  samples       ${num(s.samples.replayed)} replayed${s.samples.bad ? ` (${num(s.samples.bad)} Bad: not a number)` : ''}${s.samples.notInSite ? `, ${num(s.samples.notInSite)} not in the site (not replayed)` : ''}`);
  out.push(`  work orders   ${num(s.workOrders)}  (${s.perAssetMonth} per asset-month)`);
  for (const a of s.byAsset.slice(0, top)) out.push(`    ${a.asset.padEnd(24)} ${String(a.orders).padStart(7)}  (${a.perMonth} a month)`);
  if (s.byAsset.length > top) out.push(`    … ${s.byAsset.length - top} more assets`);
  if (s.byRule.length) out.push(`    by rule: ${s.byRule.slice(0, top).map((r) => `${r.rule} ${r.orders}`).join(', ')}${s.byRule.length > top ? ', …' : ''}`);
  out.push(`  order updates ${num(s.updates)}`);
  out.push(`  flood holds   ${num(s.floodHolds)}`);
  out.push(`  alarms        ${num(s.alarms.raised)} raised, ${num(s.alarms.chattering)} chattering`);
  for (const l of s.leadTimes) {
    if (l.crossedAt === null) {
      out.push(`  lead time before ${l.limit}: never crossed in the samples (${l.orders.length} orders on the asset)`);
      continue;
    }
    out.push(`  lead time before ${l.limit} (first crossed ${l.crossedAt}):`);
    if (l.orders.length === 0) out.push('    no work order on the asset');
    for (const o of l.orders) {
      const lead = o.leadMs! > 0 ? `${formatSpan(o.leadMs!)} before` : o.leadMs === 0 ? 'at the crossing' : `${formatSpan(o.leadMs!)} after`;
      out.push(`    ${o.ts}  P${o.priority}  ${o.rule}  #${o.episode}  ${lead}`);
    }
  }
  return out.join('\n');
}
