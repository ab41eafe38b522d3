import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import type { Sample } from '../../src/core/sample.js';
import { pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { startVictoriaMetrics, waitFor, type VictoriaMetrics } from '../helpers/servers.js';

const ASSETS = 10;
const BEFORE = 10_000;
const DURING = 110_000;
const AFTER = 20_000;

/**
 * InfluxDB (VictoriaMetrics, same v2 write API) goes away while 110,000 samples arrive and comes
 * back on the same port and data: the spill replays everything with its original timestamps while
 * live samples keep flowing, and every sample is then readable, each exactly at its time.
 */
describe('InfluxDB outage: spill to SQLite, replay on recovery', () => {
  let vm: VictoriaMetrics;
  let gw: Gateway;

  afterAll(async () => {
    await gw?.stop();
    await vm?.destroy();
  });

  it('stores every sample with its original timestamp', { timeout: 120_000 }, async () => {
    vm = await startVictoriaMetrics();
    const { file } = writeSite(
      pumpSite(ASSETS, { influx: { url: vm.url, bucket: 'cbm', batchSize: 5000, flushInterval: 100, spill: { maxBytes: 64 * 1024 * 1024 } } }),
      [],
    );
    gw = await startGateway(file);
    // Sample k: asset k % 10, tag alternating per round, 1 ms apart in time: every (series, ts) distinct.
    const base = Date.now() - 4 * 3_600_000;
    const tags = ['bearing_temp', 'vibration'];
    const sample = (k: number): Sample => ({
      tag: `p-${(k % ASSETS) + 1}/${tags[Math.floor(k / ASSETS) % 2]}`,
      ts: base + k,
      value: 20 + (k % 50),
      quality: 'Good',
    });
    const feed = async (from: number, n: number) => {
      for (let k = from; k < from + n; k += 1000) {
        gw.ingest(Array.from({ length: Math.min(1000, from + n - k) }, (_, i) => sample(k + i)));
        await new Promise((r) => setImmediate(r));
      }
    };
    const stats = () => gw.view.timeseries()!;

    await feed(0, BEFORE);
    await gw.flushTimeSeries();
    expect(stats().connected).toBe(true);

    await vm.stop();
    await feed(BEFORE, DURING);
    await gw.flushTimeSeries();
    await waitFor('everything sent during the outage to be spilled', () => (stats().spill!.lines >= DURING - 5000 ? true : undefined), 20_000);
    expect(stats().connected).toBe(false);

    await vm.start();
    const spilledDuringOutage = stats().spill!.spilledTotal;
    await waitFor('the replay loop to reach the server again', () => (stats().connected ? true : undefined), 20_000, 20);
    // Live data keeps coming while the spill replays, and goes straight to the server.
    await feed(BEFORE + DURING, AFTER);
    await waitFor('spill replayed', () => (stats().spill!.lines === 0 && stats().connected ? true : undefined), 40_000, 100);
    await gw.flushTimeSeries();

    const total = BEFORE + DURING + AFTER;
    let seen = new Map<string, number>();
    let stored = 0;
    await waitFor(
      `${total} samples readable in VictoriaMetrics`,
      async () => {
        seen = new Map();
        stored = 0;
        for (const s of await vm.export('{__name__="pump_value"}')) {
          for (let i = 0; i < s.timestamps.length; i++) seen.set(`${s.metric.asset}/${s.metric.tag}@${s.timestamps[i]}`, s.values[i]!);
          stored += s.timestamps.length;
        }
        return seen.size >= total ? true : undefined;
      },
      30_000,
      500,
    );
    const sp = stats().spill!;
    process.stdout.write(
      `outage test: ${total} samples (${DURING} during the outage), ${seen.size} distinct in VictoriaMetrics, ${stored} stored rows; spilled ${sp.spilledTotal} (${sp.spilledTotal - spilledDuringOutage} after the restart), replayed ${sp.replayedTotal}, dropped ${sp.droppedTotal}\n`,
    );
    for (let k = 0; k < total; k++) {
      const s = sample(k);
      if (seen.get(`${s.tag}@${s.ts}`) !== s.value) throw new Error(`sample ${k} (${s.tag} @ ${new Date(s.ts).toISOString()}) missing or wrong in VictoriaMetrics`);
    }
    expect(seen.size).toBe(total);
    expect(sp.droppedTotal).toBe(0);
    expect(sp.replayedTotal).toBe(sp.spilledTotal);
  });
});
