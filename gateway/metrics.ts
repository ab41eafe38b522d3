import type { IngestStats } from '../src/ingest/pipeline.js';
import type { SourceStatus } from '../src/sources/source.js';
import type { TimeSeriesStats } from '../src/timeseries/writer.js';
import type { DispatcherStats } from '../src/workorders/dispatcher.js';
import type { DeliveryState } from '../src/workorders/outbox.js';

/** Prometheus text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/). */
export function metricsText(m: {
  ingest: IngestStats;
  outbox: Record<DeliveryState, number>;
  dispatcher: DispatcherStats;
  timeseries: TimeSeriesStats | undefined;
  sources: SourceStatus[];
}): string {
  const lines: string[] = [];
  const counter = (name: string, help: string, v: number, labels = '') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${labels} ${v}`);
  };
  counter('cbm_samples_received_total', 'Samples handed to the pipeline', m.ingest.received);
  counter('cbm_samples_accepted_total', 'Samples that reached the rules', m.ingest.accepted);
  counter('cbm_samples_bad_total', 'Samples with Bad quality (kept from the rules)', m.ingest.bad);
  counter('cbm_samples_unknown_tag_total', 'Samples for tags the site does not define', m.ingest.unknownTag);
  counter('cbm_alarms_raised_total', 'Alarm raises', m.ingest.alarmsRaised);
  counter('cbm_work_orders_total', 'Work orders written to the outbox', m.ingest.workOrders);
  counter('cbm_deliveries_sent_total', 'Deliveries accepted by a target', m.dispatcher.sent);
  counter('cbm_deliveries_retried_total', 'Delivery attempts that will be retried', m.dispatcher.retried);
  counter('cbm_deliveries_failed_total', 'Deliveries failed permanently', m.dispatcher.failed);
  lines.push('# HELP cbm_outbox_deliveries Deliveries in the outbox by state', '# TYPE cbm_outbox_deliveries gauge');
  for (const [s, n] of Object.entries(m.outbox)) lines.push(`cbm_outbox_deliveries{state="${s}"} ${n}`);
  lines.push('# HELP cbm_source_connected 1 when the source is connected', '# TYPE cbm_source_connected gauge');
  for (const s of m.sources) lines.push(`cbm_source_connected{source="${s.id}",type="${s.type}"} ${s.state === 'connected' ? 1 : 0}`);
  lines.push('# HELP cbm_source_messages_total Counters reported by each source', '# TYPE cbm_source_messages_total counter');
  for (const s of m.sources) for (const [k, v] of Object.entries(s.counters)) lines.push(`cbm_source_messages_total{source="${s.id}",counter="${k}"} ${v}`);
  if (m.timeseries) {
    counter('cbm_timeseries_written_total', 'Lines accepted by InfluxDB', m.timeseries.written);
    lines.push('# TYPE cbm_timeseries_connected gauge', `cbm_timeseries_connected ${m.timeseries.connected ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}
