import type { AlarmView } from '../alarms/book.js';
import { stateName } from '../alarms/lifecycle.js';
import type { AssetInfo } from '../core/asset.js';
import type { LoadedRules } from '../rules/load.js';
import type { Catalog } from '../tags/catalog.js';
import type { LatestValues } from '../tags/latest.js';
import { assetHealth, DEFAULT_HEALTH_POLICY, type HealthInput, type HealthOrder, type HealthPolicy } from './health.js';
import { ruleReads, type RuleReads } from './rule-reads.js';
import { rollUp, type AlarmCounts, type AssetScore, type HealthNode } from './rollup.js';
import type { InsightStore } from './store.js';

/** What health is read from: the catalog, latest values, the alarm book, the rules and the store. */
export interface HealthSources {
  catalog: Pick<Catalog, 'assets' | 'asset'>;
  latest: Pick<LatestValues, 'get'>;
  /** Every alarm (the alarm book's list). */
  alarms: () => AlarmView[];
  rules: () => LoadedRules;
  /** Orders open and recently completed; absent: health without orders. */
  store: Pick<InsightStore, 'openOrders' | 'completedSince'> | undefined;
  /** When the gateway started: a tag never heard from is silent since then. */
  startedAt: number;
  now: number;
  policy?: Partial<HealthPolicy>;
}

/** Everything health needs about one asset, gathered once per request for all assets. */
interface Gathered {
  alarms: Map<string, AlarmView[]>;
  reads: Map<string, RuleReads>;
  open: Map<string, HealthOrder[]>;
  recent: Map<string, HealthOrder[]>;
  policy: HealthPolicy;
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(x);
  }
  return m;
}

function gather(src: HealthSources): Gathered {
  const policy = { ...DEFAULT_HEALTH_POLICY, ...src.policy };
  const reads = new Map<string, RuleReads>();
  for (const inst of src.rules().instances) {
    let r = reads.get(inst.asset.id);
    if (!r) reads.set(inst.asset.id, (r = { limits: [], trends: [], pm: [] }));
    ruleReads(inst, inst.asset, r);
  }
  return {
    alarms: group(src.alarms(), (a) => a.assetId),
    reads,
    open: src.store?.openOrders() ?? new Map(),
    recent: src.store?.completedSince(src.now - policy.recentDays * 86_400_000) ?? new Map(),
    policy,
  };
}

function inputOf(a: AssetInfo, g: Gathered, src: HealthSources): HealthInput {
  const reads = g.reads.get(a.id) ?? { limits: [], trends: [], pm: [] };
  return {
    alarms: (g.alarms.get(a.id) ?? []).map((v) => ({
      rule: v.ruleId,
      name: v.ruleName,
      priority: v.priority,
      active: v.state.active,
      acknowledged: v.state.acked,
      shelved: stateName(v.state) === 'shelved',
      outOfService: v.state.outOfService,
    })),
    trends: reads.trends.map((t) => {
      const tag = a.tags.find((x) => x.id === t.tag);
      return { rule: t.rule, tag: t.tag, name: tag?.name, hours: t.hours, limit: t.limit, unit: tag?.unit };
    }),
    sensors: a.tags.map((t) => {
      const v = src.latest.get(t.index);
      return { tag: t.id, name: t.name, quality: v?.quality, silentFor: src.now - Math.max(v?.ts ?? -Infinity, src.startedAt) };
    }),
    pm: reads.pm.map((m) => ({ rule: m.rule, name: m.name, meter: m.meter, value: m.value, due: m.due, unit: m.unit })),
    openOrders: g.open.get(a.id) ?? [],
    recentOrders: g.recent.get(a.id) ?? [],
  };
}

function countAlarms(views: readonly AlarmView[]): AlarmCounts {
  const c: AlarmCounts = { 1: 0, 2: 0, 3: 0, 4: 0 };
  for (const v of views) if (v.state.active && !v.state.outOfService) c[v.priority]++;
  return c;
}

/** Every asset's score and reasons, with its counts. */
export function assetScores(src: HealthSources): AssetScore[] {
  const g = gather(src);
  return [...src.catalog.assets.values()].map((a) => ({
    id: a.id,
    name: a.name,
    criticality: a.criticality,
    location: a.location,
    health: assetHealth(inputOf(a, g, src), g.policy),
    activeAlarms: countAlarms(g.alarms.get(a.id) ?? []),
    openOrders: (g.open.get(a.id) ?? []).length,
  }));
}

/** The site's health tree (site > area > line > asset), worst first at every level. */
export function healthTree(src: HealthSources): HealthNode | undefined {
  return rollUp(assetScores(src));
}

/** One asset's health, with what its rules read (limits to draw, trends, PM meters). */
export function oneAssetHealth(src: HealthSources, id: string) {
  const a = src.catalog.asset(id);
  if (!a) return undefined;
  const g = gather({ ...src, alarms: () => src.alarms().filter((x) => x.assetId === id) });
  const reads = g.reads.get(id) ?? { limits: [], trends: [], pm: [] };
  return { id, ...assetHealth(inputOf(a, g, src), g.policy), ...reads };
}
