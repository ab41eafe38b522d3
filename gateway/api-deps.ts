import type { ApiDeps } from './api.js';
import type { Gateway } from './gateway.js';

/**
 * The API's view of a running gateway: read-only state, and the narrow commands it may send
 * (alarm acknowledge/shelve/out of service, operator retry through the dispatcher).
 */
export function apiDepsOf(gw: Gateway): ApiDeps {
  return {
    gatewayId: gw.config.gateway.id,
    site: gw.config.site,
    clock: gw.clock,
    startedAt: gw.startedAt,
    catalog: gw.catalog,
    latest: gw.latest,
    book: gw.book,
    commands: {
      acknowledge: (r, a, by) => gw.runtime.acknowledge(r, a, by),
      shelve: (r, a, ms, by) => gw.runtime.shelve(r, a, ms, by),
      unshelve: (r, a, by) => gw.runtime.unshelve(r, a, by),
      setOutOfService: (a, on, by) => gw.runtime.setOutOfService(a, on, by),
      commit: () => gw.pipeline.flush(),
    },
    alarmStore: gw.alarmStore,
    outbox: gw.outbox,
    orderStatus: gw.orderStatus,
    statusSecret: gw.config.workOrders.status.secret,
    wakeDispatcher: () => gw.dispatcher.wake(),
    rules: () => gw.rules,
    ingest: () => gw.pipeline.stats,
    dispatcher: () => gw.dispatcher.stats,
    timeseries: () => gw.writer?.stats(),
    process: () => gw.processMonitor.read(),
    store: () => gw.checkpointer?.stats,
    sources: () =>
      [...gw.sourceStatus.values()].map((s) => {
        const src = gw.sources.find((x) => x.id === s.id);
        const devices = src?.devices?.();
        return { ...s, counters: src?.counters() ?? {}, ...(devices ? { devices } : {}) };
      }),
  };
}
