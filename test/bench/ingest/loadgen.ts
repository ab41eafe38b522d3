/**
 * Simulated sensors: a separate process (pinned to core 0 by the bench) that publishes
 * pre-encoded MQTT packets over a few raw TCP connections at a paced rate, so the subject — not
 * the generator — is what runs out of CPU. Driven over the IPC channel by the bench:
 *   connect {port, conns, qos, kind, assets, tags} → {ok}
 *   run {rate, seconds, markersPerSecond} → {sent, acked, seconds, markers}
 *   close → exits
 * Load messages carry no `ts` (receive time); markers carry `ts` = publish time and a value above
 * the rule limit, so each one raises one alarm and one work order (latency probes).
 * Back-pressure: a connection whose socket holds more than 4 MB unsent, or (QoS 1) more than
 * `WINDOW` unacknowledged publishes, is skipped for that tick; the run then falls short of its
 * rate, which the bench reads as "not sustained".
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connectPacket, PacketPool, publishPacket } from './mqtt-packets.js';

export interface ConnectCmd {
  cmd: 'connect';
  port: number;
  conns: number;
  qos: 0 | 1;
  /** Samples per message: 1 → `s/<asset>/<tag>` `{"value":v}`; 10 → `s/<asset>` `{"t0":v,…}`. */
  kind: 1 | 10;
  assets: number;
  tags: number;
}
export interface RunCmd {
  cmd: 'run';
  rate: number;
  seconds: number;
  markersPerSecond: number;
  /** Index of the first marker's asset, so that successive runs keep rotating over the assets. */
  markerStart: number;
}
export interface Marker {
  asset: string;
  ts: number;
  /** Publish time, sub-millisecond (performance.timeOrigin + now()). */
  at: number;
}
export interface RunResult {
  sent: number;
  acked: number;
  seconds: number;
  markers: Marker[];
  /** Ticks that came late (> 4 ms after the previous one): [seconds into the run, gap ms]. */
  gaps: [number, number][];
}

const WINDOW = 30_000;
const MAX_UNSENT = 4 * 2 ** 20;
// Pacing granularity: a tick's messages leave as one burst, so a long tick would show up as queueing in the subject.
const TICK_MS = 1;

interface Conn {
  sock: Socket;
  nextId: number;
  acked: number;
  sent: number;
  ackBytes: number;
}

let pool: PacketPool;
let conns: Conn[] = [];
let cfg: ConnectCmd;
let markerSeq = 0;

function value(r: number): string {
  return (20 + r * 60).toFixed(2);
}

/**
 * 20,000 packets: every asset/tag pair twice (1/msg) or every asset 20 times (10/msg), in a
 * seeded random order, so that every tag keeps receiving ordinary values and a marker's alarm
 * always clears before the marker comes back to its asset.
 */
function buildPool(c: ConnectCmd): PacketPool {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const keys: number[] = [];
  const per = c.kind === 1 ? c.assets * c.tags : c.assets;
  for (let i = 0; i < 20_000; i++) keys.push(i % per);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const packets = keys.map((k) =>
    c.kind === 1
      ? publishPacket(`s/a${Math.floor(k / c.tags)}/t${k % c.tags}`, `{"value":${value(rnd())}}`, c.qos)
      : publishPacket(`s/a${k}`, `{${Array.from({ length: c.tags }, (_, t) => `"t${t}":${value(rnd())}`).join(',')}}`, c.qos),
  );
  return new PacketPool(packets);
}

async function open(c: ConnectCmd): Promise<void> {
  cfg = c;
  pool = buildPool(c);
  conns = await Promise.all(
    Array.from({ length: c.conns }, (_, i) => new Promise<Conn>((resolve, reject) => {
      const sock = connect(c.port, '127.0.0.1');
      sock.setNoDelay(true);
      const conn: Conn = { sock, nextId: 1, acked: 0, sent: 0, ackBytes: -4 }; // the first 4 bytes are CONNACK
      sock.once('error', reject);
      sock.on('data', (d: Buffer) => {
        // After CONNACK the broker sends this publisher only PUBACKs (4 bytes each) [MQTT-3.4].
        conn.ackBytes += d.length;
        conn.acked = Math.max(0, Math.floor(conn.ackBytes / 4));
        if (conn.ackBytes >= 0 && conn.sent === 0) resolve(conn);
      });
      sock.write(connectPacket(`bench-${process.pid}-${i}`));
    })),
  );
}

/** Writes packets [from, from+n) of the pool (wrapping) on one connection; QoS 1 gets fresh ids. */
function writeRun(c: Conn, from: number, n: number): void {
  while (n > 0) {
    const k = Math.min(n, pool.count - from);
    let chunk = pool.buf.subarray(pool.offsets[from]!, pool.offsets[from + k]!);
    if (cfg.qos === 1) {
      chunk = Buffer.from(chunk);
      const base = pool.offsets[from]!;
      for (let i = from; i < from + k; i++) {
        chunk.writeUInt16BE(c.nextId, pool.idOffsets[i]! - base);
        c.nextId = c.nextId === 65535 ? 1 : c.nextId + 1;
      }
    }
    c.sock.write(chunk);
    c.sent += k;
    n -= k;
    from = 0;
  }
}

function marker(c: Conn): Marker {
  const asset = `a${markerSeq++ % cfg.assets}`;
  const ts = Date.now();
  const at = performance.timeOrigin + performance.now();
  const tail = cfg.kind === 1 ? '"value":95' : Array.from({ length: cfg.tags }, (_, t) => `"t${t}":${t === 0 ? 95 : 50}`).join(',');
  const p = publishPacket(cfg.kind === 1 ? `s/${asset}/t0` : `s/${asset}`, `{"ts":${ts},${tail}}`, cfg.qos);
  if (cfg.qos === 1) {
    p.buf.writeUInt16BE(c.nextId, p.idOffset);
    c.nextId = c.nextId === 65535 ? 1 : c.nextId + 1;
  }
  c.sock.write(p.buf);
  c.sent++;
  return { asset, ts, at: Math.round(at * 1000) / 1000 };
}

async function run(r: RunCmd): Promise<RunResult> {
  const markers: Marker[] = [];
  markerSeq = r.markerStart;
  const sent0 = conns.reduce((s, c) => s + c.sent, 0);
  const acked0 = conns.reduce((s, c) => s + c.acked, 0);
  const t0 = performance.now();
  const end = t0 + r.seconds * 1000;
  let due = 0;
  let pos = 0;
  let nextMarker = r.markersPerSecond > 0 ? t0 + 1000 / r.markersPerSecond / 2 : Infinity;
  const gaps: [number, number][] = [];
  let last = t0;
  while (performance.now() < end) {
    const now = performance.now();
    if (now - last > 4) gaps.push([Math.round(now - t0) / 1000, Math.round((now - last) * 10) / 10]);
    last = now;
    const target = Math.floor(((now - t0) / 1000) * r.rate);
    const n = target - due;
    // A marker goes ahead of this tick's burst: it waits for what the subject has not yet read, not for the generator.
    if (now >= nextMarker) {
      markers.push(marker(conns[0]!));
      nextMarker += 1000 / r.markersPerSecond;
    }
    if (n > 0) {
      const per = Math.ceil(n / conns.length);
      let left = n;
      for (const c of conns) {
        if (left <= 0) break;
        const busy = c.sock.writableLength > MAX_UNSENT || (cfg.qos === 1 && c.sent - c.acked > WINDOW);
        if (busy) continue;
        const k = Math.min(per, left);
        writeRun(c, pos, k);
        pos = (pos + k) % pool.count;
        left -= k;
      }
      // What could not be written this tick is dropped from the schedule, not sent in a burst later.
      due = target;
    }
    await new Promise((res) => setTimeout(res, TICK_MS));
  }
  const seconds = (performance.now() - t0) / 1000;
  // Let the sockets drain (and, QoS 1, the acks arrive) before reporting.
  const drainEnd = performance.now() + 3000;
  while (performance.now() < drainEnd && conns.some((c) => c.sock.writableLength > 0 || (cfg.qos === 1 && c.acked < c.sent))) await new Promise((res) => setTimeout(res, 5));
  return { sent: conns.reduce((s, c) => s + c.sent, 0) - sent0, acked: conns.reduce((s, c) => s + c.acked, 0) - acked0, seconds, markers, gaps };
}

process.on('message', (m: ConnectCmd | RunCmd | { cmd: 'close' }) => {
  const reply = (x: unknown) => process.send!(x);
  if (m.cmd === 'connect') open(m).then(() => reply({ ok: true }), (e: Error) => reply({ error: e.message }));
  else if (m.cmd === 'run') run(m).then(reply, (e: Error) => reply({ error: e.message }));
  else {
    for (const c of conns) c.sock.destroy();
    process.exit(0);
  }
});
// The bench going away (even by SIGKILL) closes the channel: never outlive it.
process.on('disconnect', () => process.exit(0));
