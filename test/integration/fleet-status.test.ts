import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusConfig } from '../../src/config/fleet.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { GatewayStatus } from '../../src/fleet/status.js';
import { startMosquitto, waitFor } from '../helpers/servers.js';
import { capture } from '../helpers/sparkplug.js';

let broker: Awaited<ReturnType<typeof startMosquitto>>;
beforeAll(async () => void (broker = await startMosquitto()));
afterAll(async () => broker?.stop());

const id = { gatewayId: 'gw-7', site: { id: 'plant-9', name: 'Plant 9' }, version: '1.2.3' };
const json = (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown>;

describe('gateway status on a central broker (Mosquitto)', () => {
  it('retained birth with details, refreshed on its interval; a clean stop leaves a retained offline a late subscriber still sees', async () => {
    const cfg = statusConfig.parse({ url: broker.url, interval: '200ms' });
    const st = new GatewayStatus(cfg, id, { clock: systemClock, log: silentLogger, startedAt: Date.now(), details: () => ({ outbox: { count: 3 } }) });
    st.start();
    const early = await capture(broker.url, ['cbm/+/+/status']);
    const online = await waitFor('birth', () => early.of('cbm/plant-9/gw-7/status').find((m) => json(m.payload).online === true));
    expect(json(online.payload)).toMatchObject({ online: true, gatewayId: 'gw-7', site: { id: 'plant-9', name: 'Plant 9' }, version: '1.2.3', outbox: { count: 3 } });
    await waitFor('refreshes', () => (st.stats().refreshes >= 2 ? true : undefined));
    expect(st.stats()).toMatchObject({ connected: true, births: 1 });

    await st.stop();
    await waitFor('offline', () => early.of('cbm/plant-9/gw-7/status').find((m) => json(m.payload).online === false));
    await early.close();
    // Later: the broker hands the retained offline state to a new subscriber.
    const late = await capture(broker.url, ['cbm/plant-9/gw-7/status']);
    const retained = await waitFor('retained offline', () => late.messages[0]);
    expect(retained.retain).toBe(true);
    expect(json(retained.payload)).toMatchObject({ online: false, reason: 'shutdown', gatewayId: 'gw-7' });
    await late.close();
  });
});
