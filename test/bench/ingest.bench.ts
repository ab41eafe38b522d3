/**
 * End-to-end ingest and its peer. Method (test/bench/README.md says more):
 * - Subject: the gateway started through its CLI (`cbm-gateway start`), alone on core 1
 *   (`taskset -a -c 1`): 1,000 assets × 10 tags, 1,000 rules (t0 of every asset > 90, or the
 *   1-minute average of its t1 > 90; deadband 2), a webhook target, optionally InfluxDB batches
 *   to VictoriaMetrics.
 * - Load: a raw-TCP MQTT publisher in its own process on core 0 (4 connections, pre-encoded
 *   packets), random assets/tags, values 20–80 (no rule fires). `1/msg`: `s/a12/t3`
 *   `{"value":51.2}`; `10/msg`: `s/a12` `{"t0":…,…,"t9":…}`. Brokers (Mosquitto), receivers,
 *   VictoriaMetrics and this process also on core 0.
 * - Sustained rate: see `measure.ts` (no loss: samples counted by the subject == samples sent).
 * - Latency: `latency.ts` (markers at 30/s for 10 s among the load at 10 and 90 % of the sustained
 *   rate, 30 s at 50 %, the goal's),
 *   after a 20 s order-path warm-up at 50 % (600 orders, shown apart).
 * - Peer: Node-RED 4.1 (`node-red-flow.json`) behind Mosquitto, same load, same placement.
 */
import { cpus } from 'node:os';
import { createServer } from 'node:http';
import { TimedReceiver, latency } from './ingest/latency.js';
import { Load, step, sustained, type Subject, type Sustained } from './ingest/measure.js';
import { NodeRed, nodeRedVersion } from './ingest/peer.js';
import { coreNoise, mosquitto, pinSelf, victoria } from './ingest/procs.js';
import { buildGateway, GatewayProcess, TAGS, ASSETS } from './ingest/subject.js';
import { quick, report, type BenchRow } from './report.js';

pinSelf();
buildGateway();
const T = quick ? 1.2 : 4; // seconds per load step
const STEPS = quick ? 2 : 3;
// The best rate must then hold this long (measure.ts `sustained`).
const CONFIRM = quick ? 0 : 8;
// Latency steps: 30 markers/s (each one a work order) for 10 s, 300 markers, so that the p99 is
// not just the second-worst value while orders stay at the throughput steps' scale.
const LAT_T = quick ? 2 : 10;
// The goal's step (50 %) runs three times as long: on this VM one 10 s window passes or fails with
// the machine's quiet or noisy stretch (probes: 36 of 62 windows under 5 ms where the bench's own
// window passed three runs out of three).
const LAT_T_GOAL = quick ? 2 : 30;
const MARKERS = 30;
// Unmeasured orders before the latency steps (see the warm-up below).
const WARM_T = quick ? 4 : 20;
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`;
const placement = 'subject alone on core 1, the rest on core 0';
const rows: BenchRow[] = [];
const log = (t: string) => process.stdout.write(`${t}\n`);
const started = performance.now();

const rx = new TimedReceiver();
await rx.start();
// Node-RED's HTTP requests go to a sink that only counts them.
let peerPosts = 0;
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => (peerPosts++, res.end('{}')));
}).listen(0, '127.0.0.1');
await new Promise((r) => sink.once('listening', r));
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/wo`;

type Case = { qos: 0 | 1; kind: 1 | 10 };

/** The three slowest markers of a latency step: "<seconds into the step>s:<ms>", to find a stall in a trace. */
function slowest(series: number[]): string {
  const t = series.map((v, i) => [i / MARKERS, v] as const).filter(([, v]) => !Number.isNaN(v));
  return t.sort((a, b) => b[1] - a[1]).slice(0, 3).map(([at, v]) => `${at.toFixed(2)}s:${v.toFixed(1)}`).join(' ');
}
/**
 * The capacity probe's flood (msg/s). It must stay above what the subject can take: a probe that
 * keeps up with its flood only says "at least this much", and the search then starts too low
 * (at 400,000 and 250,000 the gateway kept up with both, and its figures were the ceilings';
 * then at 500,000 and 1,000,000 msg/s at 1/msg again, once the QoS 0 lane and byte routing were in).
 */
const CEILING = { 1: 1_600_000, 10: 700_000 } as const;
/**
 * The same through Mosquitto, which passes at most ~160,000 msg/s on the shared core: a flood far
 * above that only queues in the broker, and the subject (Node-RED above all) then drains it for
 * seconds before the next step can start.
 */
const VIA_BROKER_CEILING = { 1: 500_000, 10: 400_000 } as const;

async function run(subject: Subject, port: number, label: string, c: Case, goal?: string, ceiling: Record<1 | 10, number> = CEILING): Promise<Sustained> {
  log(`${label}, QoS ${c.qos}, ${c.kind} sample${c.kind > 1 ? 's' : ''}/msg`);
  const load = await Load.connect({ port, conns: 4, qos: c.qos, kind: c.kind, assets: ASSETS, tags: c.kind === 10 ? TAGS : TAGS });
  try {
    const r = await sustained(subject, load, c.kind, c.qos, ceiling[c.kind], T, STEPS, log, CONFIRM);
    const b = r.best;
    const note = `${T} s steps${CONFIRM > 0 ? `, held ${CONFIRM} s` : ''}; ${b ? `CPU ${Math.round(b.cpuPct)} % of a core, RSS ${Math.round(b.rssMb)} MB, others took ${Math.round(b.otherPct)} % of core 1, core 0 (load, brokers) ${Math.round(b.loadCorePct)} % busy` : 'no step passed'}`;
    rows.push({ metric: `${label} QoS ${c.qos} ${c.kind}/msg: sustained samples/s`, value: r.rate * c.kind, unit: 'samples/s', goal, note });
    if (b) rows.push({ metric: `${label} QoS ${c.qos} ${c.kind}/msg: CPU / RSS at that rate`, value: b.cpuPct, unit: `% core / ${Math.round(b.rssMb)} MB`, note });
    return r;
  } finally {
    load.close();
  }
}

const noise0 = await coreNoise(quick ? 0.5 : 2);
const mosq = await mosquitto();
const vm = await victoria();
const results: Record<string, number> = {};

// 1. Embedded broker, no InfluxDB: QoS 0, latency on a warm gateway, then QoS 1.
{
  const gw = await GatewayProcess.start({ rules: 1000, broker: 'embedded', webhookUrl: rx.url });
  const goal = (c: Case) => (c.qos === 0 ? (c.kind === 1 ? '≥ 150,000' : '≥ 600,000') : undefined);
  for (const c of [{ qos: 0, kind: 1 }, { qos: 0, kind: 10 }] as Case[]) results[`emb-${c.qos}-${c.kind}`] = (await run(gw, gw.port, 'embedded', c, goal(c))).rate * c.kind;
  const base = results['emb-0-1']!;
  const load = await Load.connect({ port: gw.port, conns: 4, qos: 0, kind: 1, assets: ASSETS, tags: TAGS });
  {
    // Order-path warm-up: a plant's gateway has made thousands of work orders since it started,
    // this one about 440 in the throughput steps, and V8 compiles the order path on the same core
    // for its first ~1,000. Latency is measured on a warm path; the warm-up's own figure is shown.
    const rate = Math.max(100, Math.round(base / 2));
    const w = await latency(gw, rx, load, 1, 0, rate, WARM_T, MARKERS);
    log(`  order-path warm-up at 50 %: ${w.markers} markers, commit p50 ${w.commit.p50.toFixed(2)} p99 ${w.commit.p99.toFixed(2)} max ${w.commit.max.toFixed(2)} ms`);
    rows.push({ metric: 'latency during the order-path warm-up (@50 %): publish → outbox commit', value: w.commit.p99, unit: `ms p99 (p50 ${w.commit.p50.toFixed(1)}, max ${w.commit.max.toFixed(1)}, missing ${w.commit.missing})`, note: `${rate} msg/s for ${WARM_T} s, ${w.markers} orders right after the throughput steps; not a goal, shown for what a freshly started gateway does` });
  }
  for (const pct of quick ? [50] : [10, 50, 90]) {
    // The 50 % step is the goal's: how steady core 1 was just before and after it goes with it.
    const around = pct === 50 ? [await coreNoise(quick ? 0.5 : 2)] : [];
    const secs = pct === 50 ? LAT_T_GOAL : LAT_T;
    const l = await latency(gw, rx, load, 1, 0, Math.max(100, Math.round((base * pct) / 100)), secs, MARKERS);
    if (pct === 50) around.push(await coreNoise(quick ? 0.5 : 2));
    const speed = around.length ? `; core 1 speed before / after the step, slowest 5 % of 50 ms stretches: ${around.map((n) => n.slowP5.toFixed(2)).join(' / ')} of median` : '';
    log(`  latency at ${pct} % (others took ${Math.round(l.otherPct)} % of core 1): ${l.markers} markers, commit p50 ${l.commit.p50.toFixed(2)} p99 ${l.commit.p99.toFixed(2)} max ${l.commit.max.toFixed(2)} ms (missing ${l.commit.missing}); webhook p50 ${l.webhook.p50.toFixed(2)} p99 ${l.webhook.p99.toFixed(2)} max ${l.webhook.max.toFixed(2)} ms (missing ${l.webhook.missing}); generator ticks late > 4 ms: ${l.gaps.length} (longest ${Math.max(0, ...l.gaps.map((g) => g[1]))} ms); slowest markers ${slowest(l.series)}${speed}`);
    const note = `${Math.round((base * pct) / 100)} msg/s QoS 0 1/msg for ${secs} s, ${l.markers} markers; commit time from the log (1 ms resolution); others took ${Math.round(l.otherPct)} % of core 1${speed}`;
    rows.push({ metric: `latency @${pct} %: publish → outbox commit p50 / p99 / max`, value: l.commit.p99, unit: `ms p99 (p50 ${l.commit.p50.toFixed(1)}, max ${l.commit.max.toFixed(1)}, missing ${l.commit.missing})`, goal: pct === 50 ? '≤ 5 ms p99' : undefined, note });
    rows.push({ metric: `latency @${pct} %: publish → webhook received p50 / p99 / max`, value: l.webhook.p99, unit: `ms p99 (p50 ${l.webhook.p50.toFixed(1)}, max ${l.webhook.max.toFixed(1)}, missing ${l.webhook.missing})`, note });
  }
  load.close();
  if (!quick) for (const c of [{ qos: 1, kind: 1 }, { qos: 1, kind: 10 }] as Case[]) results[`emb-${c.qos}-${c.kind}`] = (await run(gw, gw.port, 'embedded', c)).rate * c.kind;
  await gw.stop();
}

// 2. Embedded broker with InfluxDB batches to VictoriaMetrics.
{
  const gw = await GatewayProcess.start({ rules: 1000, broker: 'embedded', webhookUrl: rx.url, influxUrl: vm.url });
  const cases: Case[] = quick ? [{ qos: 0, kind: 10 }] : [{ qos: 0, kind: 1 }, { qos: 0, kind: 10 }];
  for (const c of cases) results[`infl-${c.qos}-${c.kind}`] = (await run(gw, gw.port, 'embedded + InfluxDB', c, c.kind === 10 ? '≥ 250,000' : undefined)).rate * c.kind;
  await gw.stop();
}

// 3. Mosquitto as the plant broker, the gateway subscribed (QoS 1 subscription). Quick mode
// leaves it out (the ratio to Node-RED then uses the embedded-broker figure).
if (!quick) {
  const gw = await GatewayProcess.start({ rules: 1000, broker: mosq.url, webhookUrl: rx.url });
  const cases: Case[] = [{ qos: 0, kind: 1 }, { qos: 0, kind: 10 }, { qos: 1, kind: 1 }];
  for (const c of cases) results[`mosq-${c.qos}-${c.kind}`] = (await run(gw, mosq.port, 'via Mosquitto', c, undefined, VIA_BROKER_CEILING)).rate * c.kind;
  await gw.stop();
}

// 4. The peer: Node-RED behind the same Mosquitto, same load and placement.
{
  const red = await NodeRed.start(mosq.port, sinkUrl);
  const cases: Case[] = quick ? [{ qos: 0, kind: 1 }] : [{ qos: 0, kind: 1 }, { qos: 0, kind: 10 }];
  for (const c of cases) {
    const r = (await run(red, mosq.port, `Node-RED ${nodeRedVersion()} via Mosquitto`, c, undefined, VIA_BROKER_CEILING)).rate * c.kind;
    const ours = results[`mosq-${c.qos}-${c.kind}`];
    const emb = results[`emb-${c.qos}-${c.kind}`];
    if (ours !== undefined) rows.push({ metric: `ratio gateway / Node-RED, via Mosquitto, QoS ${c.qos} ${c.kind}/msg`, value: r > 0 ? ours / r : Number.NaN, unit: '×', goal: '≥ 5×', note: 'same broker, load and placement' });
    if (emb !== undefined) rows.push({ metric: `ratio gateway (embedded broker) / Node-RED, QoS ${c.qos} ${c.kind}/msg`, value: r > 0 ? emb / r : Number.NaN, unit: '×', goal: '≥ 5×' });
  }
  await red.stop();
  log(`  Node-RED HTTP requests sent: ${peerPosts}`);
}

// 5. Memory at 10,000 tags and 10,000 rules, under half the 10/msg rate found above: rules that
// each keep a 1-minute window (as above), and plain thresholds.
for (const windows of quick ? [true] : [true, false]) {
  const kindOf = windows ? 'each with a 1-min window' : 'thresholds only';
  const gw = await GatewayProcess.start({ rules: 10_000, windows, broker: 'embedded', webhookUrl: rx.url });
  // The CLI collects start-up garbage just after the API is up: read the idle RSS after that.
  await new Promise((r) => setTimeout(r, 2000));
  const idle = gw.meter.rss();
  // Plain thresholds: half the 10/msg rate found above. Windowed: 25,000 msg/s (250,000 samples/s),
  // a load it sustains (10,000 windows on 10,000 tags: ~0.65 M samples/s for the rule stage alone,
  // rules bench), so the figure is the memory of a gateway keeping up.
  const rate = windows ? 25_000 : Math.max(1000, Math.round((results['emb-0-10'] ?? 200_000) / 10 / 2));
  const load = await Load.connect({ port: gw.port, conns: 4, qos: 0, kind: 10, assets: ASSETS, tags: TAGS });
  const st = await step(gw, load, 10, 0, rate, quick ? T : T * 2);
  load.close();
  log(`  10,000 rules (${kindOf}): idle RSS ${Math.round(idle)} MB; ${rate} msg/s × 10 for ${quick ? T : T * 2} s: ${st.pass ? 'kept up' : 'FELL BEHIND'}, peak RSS ${Math.round(st.rssMb)} MB`);
  rows.push({ metric: `RSS, 10,000 tags and 10,000 rules (${kindOf}), idle after start-up`, value: idle, unit: 'MB', goal: '≤ 250 MB' });
  rows.push({ metric: `RSS, 10,000 tags and 10,000 rules (${kindOf}), under load (peak)`, value: st.rssMb, unit: 'MB', goal: '≤ 250 MB', note: `${rate * 10} samples/s (QoS 0, 10/msg) for ${quick ? T : T * 2} s, ${st.pass ? 'no loss' : 'fell behind'}` });
  await gw.stop();
}

const noise1 = await coreNoise(quick ? 0.5 : 2);
for (const [when, n] of [['before', noise0], ['after', noise1]] as const) {
  rows.push({ metric: `machine noise ${when} the run: subject core time taken by other processes`, value: n.lostPct, unit: `% (longest gap ${n.maxGapMs.toFixed(1)} ms; slowest 5 % of 50 ms stretches at ${n.slowP5.toFixed(2)} of median speed)`, note: `busy loop on core 1 for ${quick ? 0.5 : 2} s` });
}
await vm.stop();
await mosq.stop();
await rx.receiver.stop();
sink.close();
for (const r of rows) r.note = `${r.note ? `${r.note}; ` : ''}${placement}`;
log(`machine: ${machine}`);
report('ingest', rows);
log(`ingest bench took ${Math.round((performance.now() - started) / 1000)} s`);
process.exit(0);
