import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { apiOf, bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { freePort, waitFor } from '../helpers/servers.js';

/**
 * Issue 18, "a clock step blinds more": the wall clock stepped back 1 h held an alarm due after 5 s
 * and the pending orders; stepped forward 8 days dead-lettered every pending delivery. The
 * gateway runs on the real clocks here, with its wall clock offset by the test.
 */
class SteppedClock implements Clock {
  offset = 0;
  now = () => Date.now() + this.offset;
  sleep = systemClock.sleep;
  timer = systemClock.timer;
}

let gw: Gateway | undefined;
let rx: WebhookReceiver | undefined;
afterEach(async () => {
  await gw?.stop();
  await rx?.stop();
  gw = rx = undefined;
});

describe('wall-clock steps', () => {
  it('stepped back an hour while an on-delay runs: the alarm still comes after its delay, and the step is reported', async () => {
    const clock = new SteppedClock();
    const { file } = writeSite(pumpSite(1, { api: { enabled: false } }), [{ ...bearingRule, onDelay: '3s' }]);
    gw = await startGateway(file, { clock, monotonic: () => performance.now() });
    const hot = () => gw!.ingest([{ tag: 'p-1/bearing_temp', ts: clock.now(), value: 95, quality: 'Good' }]);
    hot();
    await new Promise((r) => setTimeout(r, 1000));
    clock.offset = -3_600_000;
    const raised = await waitFor(
      'alarm raised after the step',
      async () => {
        hot();
        return gw!.view.ingest().alarmsRaised === 1 ? true : undefined;
      },
      15_000,
      200,
    );
    expect(raised).toBe(true);
    const health = (await apiOf(gw).inject('/api/health')).json() as { reasons: string[]; clock: { steps: number; lastStep: { ms: number } } };
    expect(health.clock.steps).toBe(1);
    expect(health.clock.lastStep.ms).toBeLessThan(-3_590_000);
    expect(health.reasons.some((r) => r.startsWith('wall clock stepped -1.0 h'))).toBe(true);
  });

  it('stepped forward eight days while deliveries wait for the CMMS: none is dead-lettered, all arrive when it is back', async () => {
    const clock = new SteppedClock();
    const port = await freePort();
    rx = new WebhookReceiver();
    const { file } = writeSite(
      pumpSite(3, {
        api: { enabled: false },
        workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: `http://127.0.0.1:${port}/wo`, timeout: '1s' }], retry: { initialDelay: 100, maxDelay: 500, deadLetterAfter: '7d' } },
      }),
      [bearingRule],
    );
    gw = await startGateway(file, { clock, monotonic: () => performance.now() });
    for (const a of ['p-1', 'p-2', 'p-3']) gw.ingest([{ tag: `${a}/bearing_temp`, ts: clock.now(), value: 95, quality: 'Good' }]);
    await waitFor('failed attempts while the CMMS is away', () => (gw!.view.dispatcher().retried >= 3 ? true : undefined), 10_000);
    clock.offset = 8 * 86_400_000;
    await waitFor('step seen', () => (gw!.view.clockSteps().steps === 1 ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 1500)); // more failed attempts after the step
    expect(gw.view.outbox.counts()).toMatchObject({ pending: 3, dead: 0 });
    await rx.start(port);
    await waitFor('all delivered', () => (gw!.view.outbox.counts().delivered === 3 ? true : undefined), 15_000);
    expect(rx.orders.size).toBe(3);
  });
});
