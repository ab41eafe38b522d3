import type { WorkOrder } from '../../../src/workorders/model.js';
import type { WorkOrderTarget } from '../../../src/workorders/target.js';

export function order(n: number, asset = 'p-1'): WorkOrder {
  return {
    id: `o-${n}`,
    idempotencyKey: `k-${n}`,
    gatewayId: 'gw',
    site: { id: 's', name: 'S' },
    asset: { id: asset, name: asset, path: `s/${asset}`, location: [], class: 'pump', serialNumber: undefined, manufacturer: undefined, model: undefined, criticality: 'B' },
    title: `order ${n}`,
    description: '',
    priority: 3,
    type: 'PdM',
    rule: { id: 'r', name: 'R', episode: n },
    createdAt: new Date(0).toISOString(),
    evidence: { ts: new Date(0).toISOString(), values: [], limits: [] },
    safety: [],
    parts: [],
    estimatedHours: undefined,
  };
}

/** A target that answers from a script: each call takes the next outcome. */
export class ScriptedTarget implements WorkOrderTarget {
  readonly type = 'scripted';
  calls: string[] = [];
  constructor(
    readonly id: string,
    private readonly script: (key: string, n: number) => Error | undefined,
  ) {}
  async send(o: WorkOrder) {
    this.calls.push(o.idempotencyKey);
    const e = this.script(o.idempotencyKey, this.calls.length);
    if (e) throw e;
    return { externalId: `ext-${o.idempotencyKey}` };
  }
  async close() {}
}

/** Lets async work run until it waits on the clock again, then moves the clock by `ms`. */
export async function settle(clock: { advance(ms: number): Promise<void> }, ms = 0) {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await clock.advance(ms);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
