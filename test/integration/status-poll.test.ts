import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { MaintainxSim } from '../../simulators/cmms/maintainx-sim.js';
import type { OrderStatusEvent } from '../../src/workorders/status.js';
import { bearingRule, pumpSite, startGateway, writeSite, apiOf } from '../helpers/gateway.js';
import { waitFor } from '../helpers/servers.js';

const KEY = 'mx_live_0123456789abcdef';

/**
 * Status back by polling, end to end: the gateway delivers an order to the MaintainX simulator,
 * a technician moves it to IN_PROGRESS and then DONE with notes; the gateway's poll loop records
 * both, calls the hook once per change, and shows the history with the order.
 */
describe('status back by polling a CMMS', () => {
  const sim = new MaintainxSim({ apiKey: KEY });
  let gw: Gateway;
  const events: OrderStatusEvent[] = [];

  beforeAll(async () => {
    await sim.start();
    const { file } = writeSite(
      pumpSite(1, {
        workOrders: { targets: [{ id: 'mx', type: 'maintainx', url: sim.url, apiKey: KEY, timeout: '3s' }], status: { pollInterval: '200ms' } },
      }),
      [bearingRule],
    );
    gw = await startGateway(file);
    gw.onOrderStatus((e) => events.push(e));
  });

  afterAll(async () => {
    await gw?.stop();
    await sim.stop();
  });

  it('records in_progress and completed with the technician notes, once each', async () => {
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: Date.now(), value: 92, quality: 'Good' }]);
    await waitFor('delivered to MaintainX', () => (gw.view.outbox.counts().delivered === 1 ? true : undefined), 10_000);
    const wo = sim.workOrders[0]!;
    sim.setStatus(wo.id, 'IN_PROGRESS');
    await waitFor('in_progress polled', () => (events.length === 1 ? true : undefined), 5_000);
    sim.setStatus(wo.id, 'DONE', 'Bearing 6205 replaced; vibration back to 1.2 mm/s');
    await waitFor('completed polled', () => (events.length === 2 ? true : undefined), 5_000);
    await new Promise((r) => setTimeout(r, 600)); // more rounds: a completed order is not asked about again
    expect(events.map((e) => [e.source, e.previous, e.update.status])).toEqual([
      ['poll', 'open', 'in_progress'],
      ['poll', 'in_progress', 'completed'],
    ]);
    expect(events[1]!.order).toMatchObject({ assetId: 'p-1', ruleId: 'bearing-hot', episode: 1 });
    const [view] = (await apiOf(gw).inject('/api/work-orders')).json() as { status: string; statusHistory: { status: string; notes: string | null; source: string }[] }[];
    expect(view!.status).toBe('completed');
    expect(view!.statusHistory.map((h) => [h.status, h.source])).toEqual([
      ['in_progress', 'poll'],
      ['completed', 'poll'],
    ]);
    expect(view!.statusHistory[1]!.notes).toBe('Bearing 6205 replaced; vibration back to 1.2 mm/s');
    expect(gw.view.statusPoll().errors).toBe(0);
  });
});
