import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { canConnect, freePort, spawnLogged, tempDir, waitFor, type Spawned } from '../../helpers/servers.js';

/**
 * Process placement and measurement for the ingest bench: everything the bench starts runs under
 * `taskset`, the subject alone on core 1 and the rest (bench, load, brokers, receivers,
 * VictoriaMetrics) on core 0, and every child is stopped when the bench exits.
 */
export const SUBJECT_CORE = '1';
export const LOAD_CORE = '0';

const children = new Set<Spawned>();
export function pinned(core: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Spawned {
  // -a: every thread (VictoriaMetrics is multi-threaded; Node's libuv pool too).
  const p = spawnLogged('taskset', ['-a', '-c', core, cmd, ...args], opts);
  children.add(p);
  p.proc.once('exit', () => children.delete(p));
  return p;
}

const others = new Set<ChildProcess>();
export function killOnExit(child: ChildProcess): void {
  others.add(child);
  child.once('exit', () => others.delete(child));
}

export function killChildren(): void {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  for (const c of others) if (c.exitCode === null) c.kill('SIGKILL');
}
process.once('exit', killChildren);
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(130));

/** Pins this (the bench) process to the load core, so it never competes with the subject. */
export function pinSelf(): void {
  spawn('taskset', ['-a', '-cp', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
}

/** CPU seconds (user + system) and resident set of a process, from /proc (Linux). */
export function procStat(pid: number): { cpu: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) in clock ticks; after the ")" they are at index 11 and 12.
  const cpu = (Number(f[11]) + Number(f[12])) / 100;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu, rssMb: rss ? Number(rss[1]) / 1024 : Number.NaN };
}

/** Busy and stolen time of one core (seconds), from /proc/stat. */
function coreTimes(core: string): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  // user nice system idle iowait irq softirq steal …, in clock ticks
  const f = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0);
  return { busy: busy / 100, steal: (f[7] ?? 0) / 100 };
}

/**
 * Samples a process's CPU and peak RSS over a stretch of time, and what else ran on its core
 * meanwhile (that core's busy time minus the subject's own, plus time the hypervisor stole): the
 * machine is shared, and a figure is only as good as the core was quiet.
 */
export class Meter {
  private cpu0 = 0;
  private core0 = { busy: 0, steal: 0 };
  private load0 = { busy: 0, steal: 0 };
  private t0 = 0;
  peakRss = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly pid: number) {}
  start(): void {
    this.cpu0 = procStat(this.pid).cpu;
    this.core0 = coreTimes(SUBJECT_CORE);
    this.load0 = coreTimes(LOAD_CORE);
    this.t0 = performance.now();
    this.peakRss = 0;
    this.timer = setInterval(() => (this.peakRss = Math.max(this.peakRss, procStat(this.pid).rssMb)), 250);
  }
  rss(): number {
    return procStat(this.pid).rssMb;
  }
  /**
   * CPU use in % of one core since `start`, peak RSS (MB), % of the core used by others or
   * stolen, and how busy the load core was (load generator, brokers, receivers: near 100 %, the
   * rate measured is the load side's ceiling, not the subject's).
   */
  stop(): { cpuPct: number; rssMb: number; otherPct: number; loadCorePct: number } {
    clearInterval(this.timer);
    const s = procStat(this.pid);
    const c = coreTimes(SUBJECT_CORE);
    const secs = (performance.now() - this.t0) / 1000;
    this.peakRss = Math.max(this.peakRss, s.rssMb);
    const own = s.cpu - this.cpu0;
    const other = Math.max(0, c.busy - this.core0.busy - own) + (c.steal - this.core0.steal);
    const l = coreTimes(LOAD_CORE);
    const loadBusy = l.busy - this.load0.busy + (l.steal - this.load0.steal);
    return { cpuPct: (own / secs) * 100, rssMb: this.peakRss, otherPct: (other / secs) * 100, loadCorePct: (loadBusy / secs) * 100 };
  }
}

/**
 * How busy and how steady the machine is where the subject runs: a loop pinned to the subject
 * core for `seconds`, counting the time it did not get (gaps > 1 ms between clock reads: other
 * processes, the hypervisor) and how much fixed work it got done per 50 ms (after 300 ms of
 * warming up: the loop's first stretches run before V8 has optimised it). `slowP5` is the
 * slowest 5 % of those stretches against the median: on a VM the core's speed itself varies
 * (another tenant on the host), which neither gaps nor /proc/stat steal show, and a stretch at
 * 80 % speed is enough for a backlog at half load. Latency tails below a few tens of ms are only
 * meaningful when the loss is small and `slowP5` is near 1.
 */
export async function coreNoise(seconds: number): Promise<{ lostPct: number; maxGapMs: number; slowP5: number }> {
  const code = `const end=performance.now()+${seconds * 1000};const start=performance.now();let last=start,lost=0,max=0,w0=last,n=0,s=0;const a=new Float64Array(32768),rates=[];for(;;){const t=performance.now();if(t>end)break;const g=t-last;if(g>1){lost+=g;if(g>max)max=g}last=t;for(let k=0;k<256;k++)s+=a[(k*97+n)&32767];n++;if(t-w0>=50){if(t-start>300)rates.push(n/(t-w0));n=0;w0=t}}rates.sort((x,y)=>x-y);const med=rates[rates.length>>1];process.stdout.write(JSON.stringify({lostPct:lost/${seconds * 10},maxGapMs:max,slowP5:rates.length?rates[Math.floor(rates.length*0.05)]/med:NaN,s:s>0}))`;
  const p = pinned(SUBJECT_CORE, process.execPath, ['-e', code]);
  await new Promise((r) => p.proc.once('exit', r));
  return JSON.parse(p.output()) as { lostPct: number; maxGapMs: number; slowP5: number };
}

function bin(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return name;
}

/** Mosquitto as the plant broker on the load core; unlimited queues so any loss is the subscriber's. */
export async function mosquitto(): Promise<{ port: number; url: string; stop: () => Promise<void> }> {
  const dir = tempDir('bench-mosq');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 0\nlog_dest none\n`);
  const p = pinned(LOAD_CORE, bin('mosquitto'), ['-c', conf]);
  await waitFor('mosquitto to listen', () => canConnect(port), 10_000, 50);
  return { port, url: `mqtt://127.0.0.1:${port}`, stop: () => p.stop() };
}

/** VictoriaMetrics (InfluxDB v2 write API) on the load core, own data dir. */
export async function victoria(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = tempDir('bench-vm');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = pinned(LOAD_CORE, bin('victoria-metrics'), [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}`, '-loggerLevel=ERROR']);
  await waitFor('victoria-metrics /health', async () => ((await fetch(`${url}/health`)).ok ? true : undefined), 20_000, 100);
  return { url, stop: () => p.stop() };
}
