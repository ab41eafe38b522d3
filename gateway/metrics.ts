import type { IngestStats } from '../src/pipeline/pipeline.js';
import type { SourceStatus } from '../src/sources/source.js';
import type { TimeSeriesStats } from '../src/timeseries/writer.js';
import type { DispatcherStats } from '../src/workorders/dispatcher.js';
import type { DeliveryState } from '../src/workorders/outbox.js';
import type { ProcessMetrics } from './process-metrics.js';
import type { CheckpointStats } from '../src/store/checkpointer.js';
import type { StoreHealth } from '../src/pipeline/commit.js';
import type { RefusalCounters } from './api-security.js';

/** Prometheus text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/). */
export function metricsText(m: {
  /** Gateway clock (ms), for ages. */
  now: number;
  ingest: IngestStats;
  outbox: Record<DeliveryState, number>;
  pending: { count: number; oldestCreatedAt: number | undefined };
  dispatcher: DispatcherStats;
  timeseries: TimeSeriesStats | undefined;
  sources: SourceStatus[];
  process?: ProcessMetrics;
  store?: CheckpointStats;
  storeHealth?: StoreHealth;
  floods?: { scope: string; orders: number }[];
  targets?: { id: string; state: string; consecutiveFailures: number }[];
  clockSteps?: number;
  /** Health score per asset (0-100, docs/dashboard.md). */
  assetHealth?: { id: string; score: number }[];
  /** Active alarms by priority (1 critical … 4 low). */
  activeAlarms?: Record<number, number>;
  /** Work orders by CMMS status. */
  orders?: Record<string, number>;
  /** Requests the API refused before a handler ran, and open event streams. */
  api?: { refused: RefusalCounters; eventStreams: number };
}): string {
  const lines: string[] = [];
  const counter = (name: string, help: string, v: number, labels = '') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${labels} ${v}`);
  };
  counter('cbm_samples_received_total', 'Samples handed to the pipeline', m.ingest.received);
  counter('cbm_samples_accepted_total', 'Samples that reached the rules', m.ingest.accepted);
  counter('cbm_samples_bad_total', 'Samples with Bad quality (kept from the rules)', m.ingest.bad);
  counter('cbm_samples_unknown_tag_total', 'Samples for tags the site does not define', m.ingest.unknownTag);
  counter('cbm_samples_out_of_range_total', 'Samples outside their tag range (Bad)', m.ingest.outOfRange);
  counter('cbm_samples_wrong_type_total', 'Samples whose value does not fit the tag type, e.g. a word on a numeric tag (Bad)', m.ingest.wrongType);
  counter('cbm_work_order_updates_total', 'Updates of open orders queued (another episode of the problem, an escalation, a held order)', m.ingest.orderUpdates);
  counter('cbm_work_orders_held_total', 'Orders the flood guard held back (listed on a flood order)', m.ingest.ordersHeld);
  counter('cbm_samples_bad_timestamp_total', 'Samples dated outside the accepted window around the gateway clock (Bad)', m.ingest.badTimestamp);
  counter('cbm_alarms_raised_total', 'Alarm raises', m.ingest.alarmsRaised);
  counter('cbm_work_orders_total', 'Work orders written to the outbox', m.ingest.workOrders);
  counter('cbm_deliveries_sent_total', 'Deliveries accepted by a target', m.dispatcher.sent);
  counter('cbm_deliveries_retried_total', 'Delivery attempts that will be retried', m.dispatcher.retried);
  counter('cbm_deliveries_failed_total', 'Deliveries refused permanently by a target', m.dispatcher.failed);
  counter('cbm_deliveries_dead_total', 'Deliveries dead-lettered after maxAttempts or deadLetterAfter', m.dispatcher.dead);
  counter('cbm_dispatcher_errors_total', 'Dispatcher rounds that failed (store errors); it backs off and goes on', m.dispatcher.loopErrors);
  const gauge = (name: string, help: string, v: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
  const byTarget = Object.entries(m.dispatcher.byTarget);
  lines.push('# HELP cbm_target_deliveries_total Delivery outcomes per target', '# TYPE cbm_target_deliveries_total counter');
  for (const [t, s] of byTarget) {
    for (const k of ['sent', 'retried', 'failed', 'dead'] as const) lines.push(`cbm_target_deliveries_total{target="${t}",outcome="${k}"} ${s[k]}`);
  }
  lines.push('# HELP cbm_delivery_latency_seconds Work order enqueued → accepted by the target', '# TYPE cbm_delivery_latency_seconds histogram');
  for (const [t, s] of byTarget) lines.push(...s.latency.lines('cbm_delivery_latency_seconds', `target="${t}"`));
  lines.push('# HELP cbm_outbox_deliveries Deliveries in the outbox by state', '# TYPE cbm_outbox_deliveries gauge');
  for (const [s, n] of Object.entries(m.outbox)) lines.push(`cbm_outbox_deliveries{state="${s}"} ${n}`);
  gauge('cbm_outbox_pending', 'Deliveries waiting to be sent (the outbox size)', m.pending.count);
  gauge('cbm_outbox_oldest_pending_age_seconds', 'Age of the oldest pending delivery; 0 when none', m.pending.oldestCreatedAt === undefined ? 0 : Math.max(0, (m.now - m.pending.oldestCreatedAt) / 1000));
  lines.push('# HELP cbm_source_connected 1 when the source is connected', '# TYPE cbm_source_connected gauge');
  for (const s of m.sources) lines.push(`cbm_source_connected{source="${s.id}",type="${s.type}"} ${s.state === 'connected' ? 1 : 0}`);
  lines.push('# HELP cbm_source_messages_total Counters reported by each source', '# TYPE cbm_source_messages_total counter');
  for (const s of m.sources) for (const [k, v] of Object.entries(s.counters)) lines.push(`cbm_source_messages_total{source="${s.id}",counter="${k}"} ${v}`);
  if (m.timeseries) {
    counter('cbm_timeseries_written_total', 'Lines accepted by InfluxDB', m.timeseries.written);
    lines.push('# TYPE cbm_timeseries_connected gauge', `cbm_timeseries_connected ${m.timeseries.connected ? 1 : 0}`);
    counter('cbm_timeseries_rejected_total', 'Lines the server refused for good (4xx)', m.timeseries.rejected ?? 0);
    counter('cbm_timeseries_memory_dropped_total', 'Lines dropped from the memory buffer (no spill)', m.timeseries.droppedMemory ?? 0);
    const sp = m.timeseries.spill;
    if (sp) {
      gauge('cbm_spill_lines', 'Lines waiting in the SQLite spill', sp.lines);
      gauge('cbm_spill_bytes', 'Bytes of line protocol waiting in the SQLite spill', sp.bytes);
      gauge('cbm_spill_oldest_age_seconds', 'Age of the oldest spilled chunk; 0 when empty', sp.oldestSpilledAt === undefined ? 0 : Math.max(0, (Date.now() - sp.oldestSpilledAt) / 1000));
      counter('cbm_spill_spilled_total', 'Lines ever spilled', sp.spilledTotal);
      counter('cbm_spill_replayed_total', 'Spilled lines replayed into the server', sp.replayedTotal);
      counter('cbm_spill_dropped_total', 'Spilled lines dropped by the overflow policy (oldest first)', sp.droppedTotal);
    }
  }
  if (m.process) {
    const p = m.process;
    lines.push('# HELP cbm_event_loop_delay_seconds How late the event loop ran since the previous scrape', '# TYPE cbm_event_loop_delay_seconds summary');
    lines.push(`cbm_event_loop_delay_seconds{quantile="0.5"} ${p.loopDelay.p50}`, `cbm_event_loop_delay_seconds{quantile="0.99"} ${p.loopDelay.p99}`);
    gauge('cbm_event_loop_delay_max_seconds', 'Longest event-loop delay since the previous scrape', p.loopDelay.max);
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes', p.rssBytes);
    gauge('nodejs_heap_used_bytes', 'V8 heap in use, bytes', p.heapUsedBytes);
  }
  if (m.store) {
    counter('cbm_store_checkpoints_total', 'WAL checkpoints that copied new pages into the store (off the event loop)', m.store.checkpoints);
    counter('cbm_store_checkpoint_failures_total', 'WAL checkpoints that failed', m.store.failures);
    gauge('cbm_store_checkpoint_max_seconds', 'Longest WAL checkpoint since start', m.store.maxMs / 1000);
    gauge('cbm_store_wal_pages', 'Pages in the WAL at the latest checkpoint', m.store.walPages);
  }
  if (m.targets) {
    lines.push('# HELP cbm_target_up 1 unless the work-order target failed its latest request', '# TYPE cbm_target_up gauge');
    for (const t of m.targets) lines.push(`cbm_target_up{target="${t.id}"} ${t.state === 'failing' ? 0 : 1}`);
    lines.push('# HELP cbm_target_consecutive_failures Requests the target failed in a row', '# TYPE cbm_target_consecutive_failures gauge');
    for (const t of m.targets) lines.push(`cbm_target_consecutive_failures{target="${t.id}"} ${t.consecutiveFailures}`);
  }
  if (m.clockSteps !== undefined) counter('cbm_clock_steps_total', 'Wall-clock steps detected against the monotonic clock (more than 2 s)', m.clockSteps);
  if (m.floods) {
    lines.push('# HELP cbm_alarm_flood 1 while an asset or area is in an alarm flood (the flood guard holds its new orders)', '# TYPE cbm_alarm_flood gauge');
    for (const f of m.floods) lines.push(`cbm_alarm_flood{scope="${f.scope}"} 1`);
  }
  if (m.storeHealth) {
    gauge('cbm_store_writable', '1 while the store takes commits; 0 while alarm changes and orders wait in memory', m.storeHealth.writable ? 1 : 0);
    gauge('cbm_store_held_changes', 'Alarm changes (with their orders) held in memory until the store can write', m.storeHealth.held);
    counter('cbm_store_dropped_changes_total', 'Held alarm changes dropped beyond the in-memory bound', m.storeHealth.droppedTransitions);
  }
  if (m.assetHealth) {
    lines.push('# HELP cbm_asset_health Asset health score, 100 = nothing to look at, 0 = act now (docs/dashboard.md)', '# TYPE cbm_asset_health gauge');
    for (const a of m.assetHealth) lines.push(`cbm_asset_health{asset="${a.id}"} ${a.score}`);
  }
  if (m.activeAlarms) {
    lines.push('# HELP cbm_alarms_active Active alarms by priority (1 critical, 2 high, 3 medium, 4 low)', '# TYPE cbm_alarms_active gauge');
    for (const p of [1, 2, 3, 4]) lines.push(`cbm_alarms_active{priority="${p}"} ${m.activeAlarms[p] ?? 0}`);
  }
  if (m.orders) {
    lines.push('# HELP cbm_work_orders Work orders by CMMS status (open, in_progress: still open)', '# TYPE cbm_work_orders gauge');
    for (const s of ['open', 'in_progress', 'completed', 'cancelled']) lines.push(`cbm_work_orders{status="${s}"} ${m.orders[s] ?? 0}`);
  }
  if (m.api) {
    lines.push('# HELP cbm_api_refused_total API requests refused before a handler ran, by reason', '# TYPE cbm_api_refused_total counter');
    for (const [k, v] of Object.entries(m.api.refused)) lines.push(`cbm_api_refused_total{reason="${k}"} ${v}`);
    gauge('cbm_api_event_streams', 'Open server-sent event streams (GET /api/events)', m.api.eventStreams);
  }
  return `${lines.join('\n')}\n`;
}
