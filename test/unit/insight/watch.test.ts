import { describe, expect, it } from 'vitest';
import { HealthWatch } from '../../../src/insight/watch.js';

describe('health changes for the event stream', () => {
  it('reports every asset first, then only the scores that moved', () => {
    const w = new HealthWatch();
    expect(w.changes([{ id: 'a', score: 100 }, { id: 'b', score: 65 }])).toEqual([
      { asset: 'a', score: 100, previous: undefined },
      { asset: 'b', score: 65, previous: undefined },
    ]);
    expect(w.changes([{ id: 'a', score: 100 }, { id: 'b', score: 65 }])).toEqual([]);
    expect(w.changes([{ id: 'a', score: 75 }, { id: 'b', score: 65 }])).toEqual([{ asset: 'a', score: 75, previous: 100 }]);
  });
});
