import { performance } from 'node:perf_hooks';
import { WebhookReceiver } from '../../../simulators/cmms/webhook-receiver.js';
import type { Marker } from './loadgen.js';
import { percentile, step, type Load } from './measure.js';
import type { GatewayProcess } from './subject.js';

/** The CMMS end: the project's webhook receiver, timing each new order as it arrives. */
export class TimedReceiver {
  /** `<asset>|<evidence ts>` → arrival time (ms, sub-ms precision). */
  readonly arrivals = new Map<string, number>();
  readonly receiver = new WebhookReceiver({
    onOrder: (o) => {
      const b = o.body as { asset: { id: string }; evidence: { ts: string } };
      this.arrivals.set(`${b.asset.id}|${b.evidence.ts}`, performance.timeOrigin + performance.now());
    },
  });
  url = '';
  async start(): Promise<void> {
    this.url = `http://127.0.0.1:${await this.receiver.start()}/work-orders`;
  }
}

export interface Latency {
  markers: number;
  /** % of the subject core that other processes or the hypervisor took meanwhile. */
  otherPct: number;
  /** Publish → "alarm raised" logged after the outbox commit (ms; log time is whole ms). */
  commit: { p50: number; p99: number; max: number; missing: number };
  /** Publish → the webhook receiver has the order (ms). */
  webhook: { p50: number; p99: number; max: number; missing: number };
  /** Publish → commit per marker in publish order (NaN: not seen), to tell a stall from a backlog. */
  series: number[];
  /** The generator's late ticks during the step (see {@link StepResult.gaps}). */
  gaps: [number, number][];
}

function stats(xs: number[], missing: number) {
  xs.sort((a, b) => a - b);
  return { p50: percentile(xs, 50), p99: percentile(xs, 99), max: xs.at(-1) ?? Number.NaN, missing };
}

/**
 * Latency probes: while `rate` msg/s of ordinary load runs, markers (one sample above a rule's
 * limit, `ts` = publish time) go out at `markersPerSecond` on the first connection, each to the
 * next asset in turn so that no alarm repeats within the chattering window. Each marker makes
 * one work order; its commit is seen in the gateway's log line written after the transaction,
 * its arrival at the receiver.
 */
export async function latency(gw: GatewayProcess, rx: TimedReceiver, load: Load, kind: number, qos: number, rate: number, seconds: number, markersPerSecond: number): Promise<Latency> {
  const st = await step(gw, load, kind, qos, rate, seconds, markersPerSecond);
  const key = (m: Marker) => `${m.asset}|${new Date(m.ts).toISOString()}`;
  const end = performance.now() + 5000;
  while (performance.now() < end && st.markers.some((m) => !rx.arrivals.has(key(m)))) await new Promise((r) => setTimeout(r, 50));
  const commit: number[] = [];
  const hook: number[] = [];
  let noCommit = 0;
  let noHook = 0;
  const series: number[] = [];
  for (const m of st.markers) {
    // Log times are truncated to the millisecond: the first raise logged at or after the publish.
    const t = gw.raised.get(m.asset)?.find((x) => x >= Math.floor(m.at));
    series.push(t === undefined ? Number.NaN : Math.max(0, t + 0.5 - m.at)); // mid-millisecond of the truncated log time
    if (t === undefined) noCommit++;
    else commit.push(series.at(-1)!);
    const a = rx.arrivals.get(key(m));
    if (a === undefined) noHook++;
    else hook.push(a - m.at);
  }
  return { markers: st.markers.length, otherPct: st.otherPct, commit: stats(commit, noCommit), webhook: stats(hook, noHook), series, gaps: st.gaps };
}
