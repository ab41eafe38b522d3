/**
 * Micro-measure of the embedded broker's QoS 0 lane: the MQTT source's CPU per message, from the
 * socket read through the lane, the topic's route and the payload's decoding to `ctx.ingest`
 * (which only counts: no rules, no store).
 *
 *   npx tsx test/bench/ingest/mqtt-lane.ts [messages] [connections]
 *
 * The source (embedded broker, mapping `s/{asset}/{tag}`) runs in this process; a child process (this file with
 * `load`) connects, waits for the CONNACKs and writes `messages` pre-encoded QoS 0 publishes
 * (10,000 topics `s/a<i>/t<j>`, `{"value":…}`, as the ingest bench's 1/msg load) as fast as the
 * sockets take them. Printed: messages, wall ms, and this process's CPU ns per message (user +
 * system, from the first write to the last sample in), the figure to compare. The child's CPU is
 * not in it. `CBM_LANE_SRC=<folder>` takes the source from another copy of `src/` (A/B against an
 * older commit exported with `git archive`).
 */
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceConfig } from '../../../src/config/schema.js';
import { connectPacket, PacketPool, publishPacket } from './mqtt-packets.js';

const [mode, ...rest] = process.argv.slice(2);

if (mode === 'load') {
  const [port, messages, conns] = rest.map(Number) as [number, number, number];
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pool = new PacketPool(Array.from({ length: 20_000 }, (_, i) => publishPacket(`s/a${(i % 10_000) % 1000}/t${Math.floor((i % 10_000) / 1000)}`, `{"value":${(20 + rnd() * 60).toFixed(2)}}`, 0)));
  const socks = await Promise.all(
    Array.from({ length: conns }, (_, i) => new Promise<import('node:net').Socket>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', () => resolve(s)); // CONNACK
      s.write(connectPacket(`lane-${i}`));
    })),
  );
  process.send!('ready');
  await new Promise((r) => process.once('message', r));
  const per = Math.floor(messages / conns);
  await Promise.all(
    socks.map(async (s) => {
      for (let sent = 0; sent < per; ) {
        const n = Math.min(pool.count, per - sent);
        if (!s.write(pool.buf.subarray(0, pool.offsets[n]!))) await new Promise((r) => s.once('drain', r));
        sent += n;
      }
    }),
  );
  process.send!('sent');
  await new Promise((r) => process.once('message', r));
  for (const s of socks) s.destroy();
  process.exit(0);
} else {
  const messages = Number(mode ?? 2_000_000);
  const conns = Number(rest[0] ?? 4);
  const src = process.env.CBM_LANE_SRC ?? fileURLToPath(new URL('../../../src', import.meta.url));
  const { MqttSource } = (await import(pathToFileURL(`${src}/sources/mqtt/source.ts`).href)) as typeof import('../../../src/sources/mqtt/source.js');
  const { silentLogger } = await import('../../../src/core/logger.js');
  const { systemClock } = await import('../../../src/core/clock.js');
  const total = Math.floor(messages / conns) * conns;
  let n = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const { sourceSchema } = (await import(pathToFileURL(`${src}/config/schema.ts`).href)) as typeof import('../../../src/config/schema.js');
  const cfg = { id: 'lane', type: 'mqtt', broker: { enabled: true, port: 0 }, topics: [{ topic: 's/{asset}/{tag}', format: 'json' }] };
  // Anonymous access must be asked for where the schema knows the option.
  const parsed = sourceSchema.safeParse({ ...cfg, broker: { ...cfg.broker, allowAnonymous: true } });
  const source = new MqttSource((parsed.success ? parsed.data : sourceSchema.parse(cfg)) as Extract<SourceConfig, { type: 'mqtt' }>);
  await source.start({
    ingest: (samples) => {
      n += samples.length;
      if (n === total) done();
    },
    whenDurable: (cb) => cb(),
    status: () => undefined,
    clock: systemClock,
    log: silentLogger,
    signal: new AbortController().signal,
    dataDir: '/nonexistent',
  });
  const port = source.brokerPort!;
  const child = fork(fileURLToPath(import.meta.url), ['load', String(port), String(messages), String(conns)], { execArgv: ['--import', 'tsx'] });
  await new Promise((r) => child.once('message', r));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  child.send('go');
  await all;
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  child.send('close');
  await source.stop();
  process.stdout.write(`${JSON.stringify({ messages: total, connections: conns, wallMs: Math.round(ms), cpuNsPerMessage: Math.round(((cpu.user + cpu.system) * 1000) / total) })}\n`);
  process.exit(0);
}
