import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { waitFor } from '../helpers/servers.js';
import { FlakyFront } from './harness.js';

class SteppedClock implements Clock {
  offset = 0;
  now = () => Date.now() + this.offset;
  sleep = systemClock.sleep;
  timer = systemClock.timer;
}

/**
 * Found by the soak: the wall clock steps forward while a delivery is in flight to a CMMS that does
 * not answer, and the request fails right after. The failure must be recorded on the clock as the
 * step left it (the dispatcher checks for a step before recording it), so the delivery is not
 * shifted by the step a second time when the step is seen: it goes out when the CMMS answers, not
 * an hour later.
 */
describe('fault: the wall clock steps forward while a delivery is in flight', () => {
  const rx = new WebhookReceiver();
  const front = new FlakyFront(() => rx.url);
  let gw: Gateway | undefined;

  afterAll(async () => {
    await gw?.stop();
    await front.stop();
    await rx.stop();
  });

  it('the delivery goes out when the CMMS answers again, not an hour later', async () => {
    await rx.start();
    const url = await front.start();
    front.mode = 'hang';
    const clock = new SteppedClock();
    const { file } = writeSite(pumpSite(1, { workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: `${url}/wo`, timeout: 1000 }], retry: { initialDelay: 100, maxDelay: 300 } } }), [bearingRule]);
    gw = await startGateway(file, { clock, monotonic: () => performance.now() });
    const g = gw;
    g.ingest([{ tag: 'p-1/bearing_temp', ts: clock.now(), value: 95, quality: 'Good' }]);
    await waitFor('a request in flight', () => front.requests >= 1 || undefined, 10_000, 10);
    // The step, and at once the hanging request fails: its retry time is on the new clock before
    // the next check sees the step.
    clock.offset = 3_600_000;
    front.mode = 'ok';
    front.dropHung();
    await waitFor('step seen', () => g.view.clockSteps().steps === 1 || undefined, 10_000);
    await waitFor('delivered', () => g.view.outbox.counts().delivered === 1 || undefined, 5_000);
    expect(rx.orders.size).toBe(1);
  });
});
