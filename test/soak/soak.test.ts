import { readdirSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { FlakyFront, health, metrics } from '../faults/harness.js';
import { bearingRule, brokerPort, pumpSite, startGateway, writeSite, type RuleInput } from '../helpers/gateway.js';
import { startVictoriaMetrics, waitFor, type VictoriaMetrics } from '../helpers/servers.js';

/**
 * Soak, accelerated: steady telemetry through the embedded broker (ASSETS pumps, every 100 ms,
 * with an excursion per pump every 30 s that raises an alarm and makes an order or an update),
 * while faults come and go: the CMMS flaps (answers, then 500, then hangs, over and over),
 * InfluxDB (VictoriaMetrics) is stopped and started, and the wall clock steps an hour back, then forward.
 * Every 2 s the test reads RSS, the V8 heap and the event-loop delay from the gateway's /metrics
 * and counts open file descriptors (/proc/self/fd). It compares the first and the last third of
 * the run (after a warm-up) within the tolerances below, and at the end, faults over, every
 * delivery made has been delivered, each once.
 *
 * CBM_SOAK_SECONDS sets the length (default 150 s in CI; `npm run test:soak:long` runs 2 hours).
 */
const SECONDS = Math.max(30, Number(process.env.CBM_SOAK_SECONDS ?? 150));
const ASSETS = 40;
const PUBLISH_MS = 100;
const SAMPLE_MS = 2000;
/** Flat means, comparing the last third with the first: */
const TOLERANCE = {
  /** RSS median at most 25 % + 32 MiB above the first third's (V8 grows its heap in steps). */
  rss: (first: number) => first * 1.25 + 32 * 1024 * 1024,
  /** Open file descriptors: at most 8 more than the first third's most (sockets come and go with the faults). */
  fds: (first: number) => first + 8,
  /** Event-loop delay p99, median of the 2 s windows: at most twice the first third's + 20 ms (the machine is shared). */
  loopP99: (first: number) => first * 2 + 0.02,
};

/** The gateway's wall clock, which the test steps; timers run on the real one. */
class SteppedClock implements Clock {
  offset = 0;
  now = () => Date.now() + this.offset;
  sleep = systemClock.sleep;
  timer = systemClock.timer;
}

interface Reading {
  at: number;
  rss: number;
  heap: number;
  fds: number;
  loopP99: number;
  loopMax: number;
  pending: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

/** A soak raises each pump's alarm every 30 s on purpose: not chattering, not a bad actor. */
const rule: RuleInput = { ...bearingRule, chatter: { count: 1000, window: 60_000 }, repeating: { perHour: 100_000, perDay: 100_000 } };

describe('soak', () => {
  const rx = new WebhookReceiver();
  const front = new FlakyFront(() => rx.url);
  let vm: VictoriaMetrics;
  let gw: Gateway;
  const clients: mqtt.MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];

  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await gw?.stop();
    await front.stop();
    await rx.stop();
    await vm?.destroy();
  });

  it(`stays flat for ${SECONDS} s of load with faults, and delivers every order`, { timeout: (SECONDS + 240) * 1000 }, async () => {
    vm = await startVictoriaMetrics();
    await rx.start();
    const cmms = await front.start();
    const { file } = writeSite(
      pumpSite(ASSETS, {
        sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'plant/{asset}' }] }],
        influx: { url: vm.url, bucket: 'cbm', flushInterval: 500, maxRetries: 0 },
        workOrders: {
          targets: [{ id: 'cmms', type: 'webhook', url: `${cmms}/wo`, timeout: 500 }],
          retry: { initialDelay: 200, maxDelay: 1000 },
          consolidation: { updateEvery: 0 }, // every further raise is an update delivered at once: more outbox traffic
          flood: { count: 100_000, window: 600_000 },
        },
      }),
      [rule],
    );
    const clock = new SteppedClock();
    gw = await startGateway(file, { clock, monotonic: () => performance.now() });
    const port = brokerPort(gw, 'mq');

    // Load: 4 clients, each publishing for a quarter of the pumps every 100 ms, QoS 0 and 1 mixed.
    let published = 0;
    const t0 = Date.now();
    for (let c = 0; c < 4; c++) {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `soak-${c}` });
      clients.push(client);
      timers.push(
        setInterval(() => {
          const s = (Date.now() - t0) / 1000;
          for (let i = c; i < ASSETS; i += 4) {
            // An excursion of 4 s per pump every 30 s, staggered across the pumps.
            const hot = (s + i * (30 / ASSETS)) % 30 < 4;
            const temp = hot ? 95 + Math.random() : 65 + Math.random() * 5;
            client.publish(`plant/p-${i + 1}`, `{"bearing_temp":${temp.toFixed(2)},"vibration":${(2 + Math.random()).toFixed(3)}}`, { qos: i % 2 === 0 ? 0 : 1 });
            published++;
          }
        }, PUBLISH_MS),
      );
    }

    // Faults on a schedule, as fractions of the run.
    const at = (f: number) => t0 + f * SECONDS * 1000;
    const flap = setInterval(() => {
      const phase = ((Date.now() - t0) / 1000) % 20;
      front.mode = phase < 12 ? 'ok' : phase < 17 ? 500 : 'hang';
    }, 250);
    timers.push(flap);
    const readings: Reading[] = [];
    let vmStopped = false;
    let vmStarted = false;
    let stepped = false;
    let steppedForward = false;
    while (Date.now() < at(1)) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      if (!vmStopped && Date.now() >= at(0.35)) (vmStopped = true), await vm.stop();
      if (!vmStarted && Date.now() >= at(0.5)) (vmStarted = true), await vm.start();
      // Back an hour, then forward an hour (test/faults/clock-race.test.ts pins the race of a step
      // with a delivery in flight; the consolidation unit test the one of a step with an update).
      if (!stepped && Date.now() >= at(0.65)) (stepped = true), (clock.offset -= 3_600_000);
      if (!steppedForward && Date.now() >= at(0.8)) (steppedForward = true), (clock.offset += 3_600_000);
      const m = await metrics(gw);
      readings.push({
        at: Date.now() - t0,
        rss: m.get('process_resident_memory_bytes')!,
        heap: m.get('nodejs_heap_used_bytes')!,
        fds: readdirSync('/proc/self/fd').length,
        loopP99: m.get('cbm_event_loop_delay_seconds{quantile="0.99"}')!,
        loopMax: m.get('cbm_event_loop_delay_max_seconds')!,
        pending: m.get('cbm_outbox_pending')!,
      });
    }

    // Faults over: the load stops, the CMMS answers, InfluxDB runs; everything made must arrive.
    for (const t of timers) clearInterval(t);
    front.mode = 'ok';
    await waitFor('outbox drained', () => gw.view.outbox.counts().pending === 0 || undefined, 120_000, 250).catch((e: Error) => {
      const now = clock.now();
      const stuck = gw.view.outbox.list({ state: 'pending', limit: 5 }).flatMap((r) => r.deliveries.filter((d) => d.state === 'pending').map((d) => `${d.orderId}#${d.updateSeq} attempts ${d.attempts}, next in ${d.nextAt - now} ms: ${d.lastError}`));
      throw new Error(`${e.message}; dispatcher ${JSON.stringify({ ...gw.view.dispatcher(), byTarget: undefined })}; pending: ${stuck.join(' | ')}`);
    });
    const rows = gw.view.outbox.list({ limit: 1_000_000 });
    const deliveries = rows.flatMap((r) => r.deliveries);
    const h = await health(gw);

    // Flat: the last third against the first, after a warm-up of 15 % of the run.
    const measured = readings.filter((r) => r.at >= 0.15 * SECONDS * 1000);
    const n = Math.floor(measured.length / 3);
    const first = measured.slice(0, n);
    const last = measured.slice(-n);
    const fig = {
      rss: [median(first.map((r) => r.rss)), median(last.map((r) => r.rss))],
      heap: [median(first.map((r) => r.heap)), median(last.map((r) => r.heap))],
      fds: [Math.max(...first.map((r) => r.fds)), Math.max(...last.map((r) => r.fds))],
      loopP99: [median(first.map((r) => r.loopP99)), median(last.map((r) => r.loopP99))],
      loopMax: Math.max(...measured.map((r) => r.loopMax)),
      pendingMax: Math.max(...readings.map((r) => r.pending)),
    };
    const ingest = gw.view.ingest();
    process.stdout.write(
      [
        `soak: ${SECONDS} s, ${ASSETS} pumps every ${PUBLISH_MS} ms: ${published} messages published, ${ingest.accepted} samples accepted, ${ingest.alarmsRaised} alarms raised, ${ingest.workOrders} orders and ${ingest.orderUpdates} updates made`,
        `soak: faults: CMMS flapping (${front.requests} requests, ${h.dispatcher.retried} retries), InfluxDB stopped ${Math.round(0.15 * SECONDS)} s, clock stepped -1 h and +1 h; outbox backlog peaked at ${fig.pendingMax}`,
        `soak: ${deliveries.length} deliveries made, ${deliveries.filter((d) => d.state === 'delivered').length} delivered; receiver: ${rx.orders.size} orders, ${rx.updates.size} updates`,
        `soak: first third → last third: RSS ${mib(fig.rss[0]!)} → ${mib(fig.rss[1]!)}, heap ${mib(fig.heap[0]!)} → ${mib(fig.heap[1]!)}, open fds ${fig.fds[0]} → ${fig.fds[1]}, event-loop p99 ${(fig.loopP99[0]! * 1000).toFixed(1)} → ${(fig.loopP99[1]! * 1000).toFixed(1)} ms (max ${(fig.loopMax * 1000).toFixed(0)} ms)`,
        '',
      ].join('\n'),
    );

    // Every delivery made was delivered, each once.
    expect(deliveries.length).toBeGreaterThan(ASSETS);
    expect(deliveries.every((d) => d.state === 'delivered')).toBe(true);
    expect([...rx.orders.keys()].sort()).toEqual(rows.map((r) => r.order.idempotencyKey).sort());
    expect(rx.updates.size).toBe(deliveries.filter((d) => d.updateSeq > 0).length);
    expect(rx.replays).toBe(0);
    expect(ingest.workOrders + ingest.orderUpdates).toBe(deliveries.length);
    // Flat.
    expect(first.length).toBeGreaterThanOrEqual(3);
    expect(fig.rss[1]).toBeLessThanOrEqual(TOLERANCE.rss(fig.rss[0]!));
    expect(fig.fds[1]).toBeLessThanOrEqual(TOLERANCE.fds(fig.fds[0]!));
    expect(fig.loopP99[1]).toBeLessThanOrEqual(TOLERANCE.loopP99(fig.loopP99[0]!));
  });
});
