import { describe, expect, it } from 'vitest';
import { metricsText } from '../../../gateway/metrics.js';
import { ProcessMonitor } from '../../../gateway/process-metrics.js';

const tick = () => new Promise((r) => setTimeout(r, 30));

describe('process metrics', () => {
  it('reports an event-loop stall since the previous read, then starts over', async () => {
    const m = new ProcessMonitor();
    m.start();
    try {
      await tick();
      const end = performance.now() + 60;
      while (performance.now() < end); // the loop is blocked for 60 ms
      await tick();
      const first = m.read();
      expect(first.loopDelay.max).toBeGreaterThanOrEqual(0.03); // the 60 ms stall, less up to one 10 ms sampling interval
      expect(first.rssBytes).toBeGreaterThan(first.heapUsedBytes);
      // Read again at once (no event-loop turn in between): the histogram started over.
      expect(m.read().loopDelay).toEqual({ p50: 0, p99: 0, max: 0 });
      const text = metricsText({
        now: 0,
        ingest: { received: 0, accepted: 0, bad: 0, unknownTag: 0, outOfRange: 0, wrongType: 0, badTimestamp: 0, alarmsRaised: 0, alarmsCleared: 0, workOrders: 0, orderUpdates: 0, ordersHeld: 0 },
        outbox: { pending: 0, delivered: 0, failed: 0, dead: 0, cancelled: 0 },
        pending: { count: 0, oldestCreatedAt: undefined },
        dispatcher: { sent: 0, retried: 0, failed: 0, dead: 0, lastError: undefined, lastLatencyMs: undefined, loopErrors: 0, lastLoopError: undefined, failing: false, byTarget: {} },
        timeseries: undefined,
        sources: [],
        process: first,
      });
      expect(text).toContain(`cbm_event_loop_delay_max_seconds ${first.loopDelay.max}`);
      expect(text).toMatch(/^cbm_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    } finally {
      m.stop();
    }
  });
});
