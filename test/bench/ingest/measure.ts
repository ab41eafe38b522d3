import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConnectCmd, Marker, RunResult } from './loadgen.js';
import { killOnExit, LOAD_CORE, type Meter } from './procs.js';

/** Something that ingests: the gateway or the peer. */
export interface Subject {
  received(): Promise<number>;
  meter: Meter;
}

/** The load generator process (pinned to the load core), driven over IPC. */
export class Load {
  /** Shared by every generator: the next marker's asset, so an asset's alarm has long cleared before its next marker. */
  private static markerSeq = 0;
  private constructor(private readonly child: ChildProcess) {}

  static async connect(c: Omit<ConnectCmd, 'cmd'>): Promise<Load> {
    const file = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
    // --no-memory-reducer: an idle-time full GC pausing the generator mid-step, then a burst to catch up, would be charged to the subject.
    const child = spawn('taskset', ['-c', LOAD_CORE, process.execPath, '--no-memory-reducer', '--import', 'tsx', file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // (It also exits by itself when this process's IPC channel closes.)
    killOnExit(child);
    const l = new Load(child);
    await l.ask({ cmd: 'connect', ...c });
    return l;
  }

  private ask<T>(m: object): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error('load generator exited'));
      this.child.once('exit', onExit);
      this.child.once('message', (r: T & { error?: string }) => {
        this.child.off('exit', onExit);
        if (r.error) reject(new Error(r.error));
        else resolve(r);
      });
      this.child.send(m);
    });
  }

  async run(rate: number, seconds: number, markersPerSecond = 0): Promise<RunResult> {
    const r = await this.ask<RunResult>({ cmd: 'run', rate, seconds, markersPerSecond, markerStart: Load.markerSeq });
    Load.markerSeq += r.markers.length;
    return r;
  }

  close(): void {
    if (this.child.connected) this.child.send({ cmd: 'close' });
  }
}

/**
 * Work orders per second during throughput steps: enough that the outbox is written (one alarm
 * raise + order and one clear each, in SQLite with synchronous=FULL) and the peer's HTTP node
 * fires, few enough that each asset's alarm clears before its next marker.
 */
export const ALARMS_PER_SECOND = 10;

/** Seconds of backlog a passing step may leave when the load stops (plus one status request). */
export const CATCH_UP = 0.25;

export interface StepResult {
  /** Offered and achieved message rates (msg/s). */
  offered: number;
  achieved: number;
  sent: number;
  acked: number;
  expected: number;
  got: number;
  /** Seconds from the first publish until the subject had counted every sample. */
  done: number;
  pass: boolean;
  cpuPct: number;
  rssMb: number;
  /** % of the subject core other processes (or the hypervisor) took during the step. */
  otherPct: number;
  /** How busy the load core (generator, brokers, receivers) was. */
  loadCorePct: number;
  markers: Marker[];
  /** The generator's late ticks ([seconds into the step, gap ms]): its own hiccups, sent as one burst after. */
  gaps: [number, number][];
}

/**
 * One load step: `rate` msg/s for `seconds`. Passes when every sample sent was counted by the
 * subject (and, QoS 1, acknowledged), the generator achieved ≥ 97 % of the offered rate (a
 * subject that falls behind pushes back through TCP), and the subject had caught up no later than
 * {@link CATCH_UP} after the load stopped: loopback socket buffers hold about a second of
 * messages, so a subject falling behind can still count everything in the end; what it had not
 * read when the load stopped is its backlog, and a backlog that grows is not a sustained rate.
 */
export async function step(s: Subject, load: Load, kind: number, qos: number, rate: number, seconds: number, markersPerSecond = ALARMS_PER_SECOND): Promise<StepResult> {
  const r0 = await settle(s);
  s.meter.start();
  const t0 = performance.now();
  const res = await load.run(rate, seconds, markersPerSecond);
  const expected = res.sent * kind;
  let got = (await s.received()) - r0;
  let last = got;
  let lastChange = performance.now();
  while (got < expected && performance.now() - lastChange < 1500 && performance.now() - t0 < (seconds + 15) * 1000) {
    await new Promise((r) => setTimeout(r, 50));
    got = (await s.received()) - r0;
    if (got !== last) (last = got), (lastChange = performance.now());
  }
  const done = (performance.now() - t0) / 1000;
  const m = s.meter.stop();
  const achieved = res.sent / res.seconds;
  const pass = got === expected && (qos === 0 || res.acked === res.sent) && achieved >= 0.97 * rate && done <= seconds + CATCH_UP;
  return { offered: rate, achieved, sent: res.sent, acked: res.acked, expected, got, done, pass, cpuPct: m.cpuPct, rssMb: m.rssMb, otherPct: m.otherPct, loadCorePct: m.loadCorePct, markers: res.markers, gaps: res.gaps };
}

/**
 * Waits (up to 10 s) until the subject's count stops moving: after a step it could not keep up
 * with, a subscriber behind Mosquitto (whose queue is unlimited here) is still draining it, and
 * counting that into the next step would be wrong either way.
 */
async function settle(s: Subject): Promise<number> {
  let last = await s.received();
  const end = performance.now() + 10_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const n = await s.received();
    if (n === last || performance.now() > end) return n;
    last = n;
  }
}

const round2 = (x: number) => {
  const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return Math.round(x / p) * p;
};

export interface Sustained {
  /** Highest passing rate, msg/s (0 when none passed). */
  rate: number;
  best: StepResult | undefined;
  steps: StepResult[];
}

/**
 * Finds the sustained rate: a flood at `ceiling` msg/s estimates what the subject can process
 * (samples counted / time to count them); then steps from 95 % of that estimate, down by 20 %
 * on a failure, up by 10 % once after a first pass. A short step can pass with a backlog that
 * grows slowly, so the best rate must then hold for `confirm` seconds (0: no confirmation); each
 * failed confirmation takes 10 % off, five at most.
 */
export async function sustained(s: Subject, load: Load, kind: number, qos: number, ceiling: number, seconds: number, maxSteps: number, log: (t: string) => void, confirm = 0): Promise<Sustained> {
  const probe = await step(s, load, kind, qos, ceiling, Math.min(2, seconds));
  const capacity = probe.got / kind / probe.done;
  log(`  probe ${Math.round(ceiling)} msg/s → processed ${Math.round(capacity)} msg/s`);
  const steps: StepResult[] = [];
  let r = round2(Math.max(100, capacity * 0.95));
  let best: StepResult | undefined;
  let raised = false;
  for (let i = 0; i < maxSteps; i++) {
    const st = await step(s, load, kind, qos, r, seconds);
    steps.push(st);
    log(`  ${st.pass ? 'pass' : 'FAIL'} offered ${r} msg/s achieved ${Math.round(st.achieved)}, ${st.got}/${st.expected} samples by ${st.done.toFixed(2)} s, CPU ${Math.round(st.cpuPct)} %, RSS ${Math.round(st.rssMb)} MB, others on the core ${Math.round(st.otherPct)} %, load core ${Math.round(st.loadCorePct)} % busy`);
    if (st.pass) {
      best = st;
      if (raised) break;
      raised = true;
      r = round2(r * 1.1);
    } else {
      if (best) break;
      r = round2(r * 0.8);
    }
  }
  if (best && confirm > 0) {
    let c = best.offered;
    best = undefined;
    for (let i = 0; i < 5 && !best; i++, c = round2(c * 0.9)) {
      const st = await step(s, load, kind, qos, c, confirm);
      steps.push(st);
      log(`  ${st.pass ? 'held' : 'FAIL'} ${confirm} s at ${c} msg/s: ${st.got}/${st.expected} samples by ${st.done.toFixed(2)} s, CPU ${Math.round(st.cpuPct)} %, RSS ${Math.round(st.rssMb)} MB, others on the core ${Math.round(st.otherPct)} %, load core ${Math.round(st.loadCorePct)} % busy`);
      if (st.pass) best = st;
    }
  }
  return { rate: best?.offered ?? 0, best, steps };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
