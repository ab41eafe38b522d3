import { describe, expect, it } from 'vitest';
import type { HierarchyLevel } from '../../../src/core/asset.js';
import { rollUp, type AssetScore } from '../../../src/insight/rollup.js';

const site: HierarchyLevel = { level: 'site', id: 'plant', name: 'Plant' };
const area = (id: string): HierarchyLevel => ({ level: 'area', id, name: `Area ${id}` });
const line = (id: string): HierarchyLevel => ({ level: 'line', id, name: `Line ${id}` });

function asset(id: string, score: number, criticality: 'A' | 'B' | 'C', location: HierarchyLevel[], alarms = 0): AssetScore {
  return {
    id,
    name: id,
    criticality,
    location: [...location, { level: 'asset', id, name: id }],
    health: { score, reasons: [] },
    activeAlarms: { 1: 0, 2: alarms, 3: 0, 4: 0 },
    openOrders: alarms,
  };
}

describe('health roll-up: worst child, weighted by criticality', () => {
  it('a level scores 100 − max(w × (100 − child)) with w A 1, B 0.75, C 0.5', () => {
    const l1 = [site, area('a1'), line('l1')];
    const tree = rollUp([
      asset('pa', 70, 'A', l1), // shortfall 30 × 1.0 = 30
      asset('pb', 60, 'B', l1), // 40 × 0.75 = 30 (tie: the first one found stays)
      asset('pc', 20, 'C', l1, 2), // 80 × 0.5 = 40 → the worst
    ])!;
    const l = tree.children[0]!.children[0]!;
    expect(l.score).toBe(60); // 100 − 40
    expect(l.worst).toEqual({ id: 'pc', name: 'pc', score: 20 });
    expect(l.reasons).toEqual([{ kind: 'worst-child', weight: 40, detail: 'worst: pc at 20 × criticality C (0.5)', ref: 'pc' }]);
    // Children worst first by their own score.
    expect(l.children.map((c) => c.id)).toEqual(['pc', 'pb', 'pa']);
    // Areas and lines pass their score up unweighted: area 60, site 60.
    expect(tree.children[0]!.score).toBe(60);
    expect(tree.score).toBe(60);
    expect(tree.activeAlarms[2]).toBe(2);
    expect(tree.openOrders).toBe(2);
  });

  it('sorts areas worst first and keeps counts per level', () => {
    const tree = rollUp([
      asset('x', 90, 'B', [site, area('good'), line('l')]), // 10 × 0.75 = 7.5 → 92.5
      asset('y', 40, 'A', [site, area('bad'), line('m')], 1), // 60 → 40
    ])!;
    expect(tree.children.map((c) => [c.id, c.score])).toEqual([
      ['bad', 40],
      ['good', 92.5],
    ]);
    expect(tree.score).toBe(40);
    expect(tree.worst.id).toBe('y');
  });

  it('an asset without a line hangs from its area; an empty level is 100', () => {
    const tree = rollUp([asset('z', 100, 'A', [site, area('a')]), asset('w', 50, 'B', [site])])!;
    expect(tree.children.map((c) => c.id).sort()).toEqual(['a', 'w']);
    expect(tree.children.find((c) => c.id === 'a')!.score).toBe(100);
    expect(tree.score).toBe(62.5); // w: 50 × 0.75 = 37.5
    expect(rollUp([])).toBeUndefined();
  });
});
