import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface ProcessMetrics {
  /** Event-loop delay since the previous read (seconds): p50, p99, max; the histogram restarts. */
  loopDelay: { p50: number; p99: number; max: number };
  rssBytes: number;
  heapUsedBytes: number;
}

/**
 * The gateway process as a Prometheus client library would show it: how late the event loop ran
 * (everything here shares one thread: a long synchronous stretch delays every sample behind it)
 * and its memory. Delay quantiles cover the time since the previous scrape.
 */
export class ProcessMonitor {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  start(): void {
    this.h.enable();
  }

  stop(): void {
    this.h.disable();
  }

  read(): ProcessMetrics {
    const h = this.h;
    const s = (ns: number) => (Number.isFinite(ns) && h.count > 0 ? ns / 1e9 : 0);
    const loopDelay = { p50: s(h.percentile(50)), p99: s(h.percentile(99)), max: s(h.max) };
    h.reset();
    const m = process.memoryUsage();
    return { loopDelay, rssBytes: m.rss, heapUsedBytes: m.heapUsed };
  }
}
