import type { HierarchyLevel } from '../core/asset.js';
import type { Priority } from '../core/priority.js';
import type { AssetHealth, Reason } from './health.js';

/**
 * Health rolled up site > area > line > asset: a level is as healthy as its worst child, with an
 * asset's shortfall weighted by its criticality (ABC as in RCM: A production or safety critical).
 *
 *   level score = 100 − max over children c of ( w(c) × (100 − score(c)) )
 *   w = 1.0 for an A asset, 0.75 for B, 0.5 for C, and 1 for an area or line (already weighted).
 *
 * So an A pump at 40 makes its line 40; a C pump at 40 makes it 70. A level with no children is 100.
 */
export const CRITICALITY_WEIGHT = { A: 1, B: 0.75, C: 0.5 } as const;

export type Criticality = keyof typeof CRITICALITY_WEIGHT;

export interface AlarmCounts {
  1: number;
  2: number;
  3: number;
  4: number;
}

/** One asset as the roll-up takes it. */
export interface AssetScore {
  id: string;
  name: string;
  criticality: Criticality;
  /** Site down to the asset itself (the catalog's `location`). */
  location: readonly HierarchyLevel[];
  health: AssetHealth;
  /** Active alarms by priority (out-of-service ones not counted). */
  activeAlarms: AlarmCounts;
  /** Orders open in the CMMS. */
  openOrders: number;
}

export interface HealthNode {
  id: string;
  name: string;
  level: HierarchyLevel['level'];
  score: number;
  /** The asset that set this score (itself for an asset). */
  worst: { id: string; name: string; score: number };
  reasons: Reason[];
  activeAlarms: AlarmCounts;
  openOrders: number;
  /** Assets only. */
  criticality?: Criticality;
  /** Worst first (lowest score, then most active alarms, then name). */
  children: HealthNode[];
}

const zero = (): AlarmCounts => ({ 1: 0, 2: 0, 3: 0, 4: 0 });

function leaf(a: AssetScore): HealthNode {
  return {
    id: a.id,
    name: a.name,
    level: 'asset',
    score: a.health.score,
    worst: { id: a.id, name: a.name, score: a.health.score },
    reasons: a.health.reasons,
    activeAlarms: { ...a.activeAlarms },
    openOrders: a.openOrders,
    criticality: a.criticality,
    children: [],
  };
}

const shortfall = (n: HealthNode) => (n.criticality ? CRITICALITY_WEIGHT[n.criticality] : 1) * (100 - n.score);

const alarmsTotal = (c: AlarmCounts) => c[1] + c[2] + c[3] + c[4];

/** Worst first: lowest score, then the most urgent active alarms, then by name. */
export function worstFirst(a: HealthNode, b: HealthNode): number {
  if (a.score !== b.score) return a.score - b.score;
  for (const p of [1, 2, 3, 4] as Priority[]) if (a.activeAlarms[p] !== b.activeAlarms[p]) return b.activeAlarms[p] - a.activeAlarms[p];
  return a.name.localeCompare(b.name);
}

/** Fills a level's score, worst child, counts and reason from its children. */
function settle(n: HealthNode): void {
  for (const c of n.children) if (c.level !== 'asset') settle(c);
  n.children.sort(worstFirst);
  const alarms = zero();
  let orders = 0;
  let worstChild: HealthNode | undefined;
  let worstShort = 0;
  for (const c of n.children) {
    for (const p of [1, 2, 3, 4] as Priority[]) alarms[p] += c.activeAlarms[p];
    orders += c.openOrders;
    const s = shortfall(c);
    if (worstChild === undefined || s > worstShort) (worstChild = c), (worstShort = s);
  }
  n.activeAlarms = alarms;
  n.openOrders = orders;
  // Rounded to a tenth: weights are whole points, criticality weights quarters and halves.
  n.score = Math.round((100 - worstShort) * 10) / 10;
  if (worstChild) {
    n.worst = worstChild.worst;
    const w = worstChild.criticality ? ` × criticality ${worstChild.criticality} (${CRITICALITY_WEIGHT[worstChild.criticality]})` : '';
    n.reasons = worstShort > 0 ? [{ kind: 'worst-child', weight: worstShort, detail: `worst: ${worstChild.name} at ${worstChild.score}${w}`, ref: worstChild.id }] : [];
  } else n.worst = { id: n.id, name: n.name, score: 100 };
}

/**
 * The hierarchy from the assets' locations, each level scored from its children. Assets whose
 * location skips a level (no line) hang from the level above.
 */
export function rollUp(assets: readonly AssetScore[]): HealthNode | undefined {
  let root: HealthNode | undefined;
  const nodes = new Map<string, HealthNode>();
  for (const a of assets) {
    let parent: HealthNode | undefined;
    for (const l of a.location) {
      if (l.level === 'asset') break;
      const key = `${parent ? `${parent.id}/` : ''}${l.id}`;
      let n = nodes.get(key);
      if (!n) {
        n = { id: l.id, name: l.name, level: l.level, score: 100, worst: { id: l.id, name: l.name, score: 100 }, reasons: [], activeAlarms: zero(), openOrders: 0, children: [] };
        nodes.set(key, n);
        if (parent) parent.children.push(n);
        else root ??= n;
      }
      parent = n;
    }
    if (parent) parent.children.push(leaf(a));
  }
  if (root) settle(root);
  return root;
}

/** Totals of a node, for the overview's header line. */
export function totals(n: HealthNode): { activeAlarms: number; openOrders: number } {
  return { activeAlarms: alarmsTotal(n.activeAlarms), openOrders: n.openOrders };
}
