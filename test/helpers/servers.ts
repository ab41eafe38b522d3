import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { runRoot } from './tmp.js';

/**
 * The kernel's range for ephemeral ports (outgoing connections and port 0), where a port found
 * free can be taken by another test's outgoing connection before the server that wanted it binds
 * (a CI run failed with EADDRINUSE that way).
 */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo! > 0 && hi! >= lo!) return [lo!, hi!];
  } catch {
    // not Linux: the IANA range
  }
  return [49152, 65535];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Ports this test worker has handed out: a port found free stays free only until someone binds it. */
const handedOut = new Set<number>();
/** Width of each vitest worker's share of the port range. */
const SLICE = 2_000;

/**
 * A free TCP port on loopback (for servers that cannot bind port 0 themselves), picked at random
 * below the ephemeral range, so no outgoing connection takes it before the server binds. Each
 * vitest worker picks from a slice of its own (by VITEST_POOL_ID), and never hands out a port
 * twice: two workers, or two calls before the first server has bound, cannot get the same port
 * (a CI run failed with EADDRINUSE in a scenario's plant that way).
 */
export async function freePort(): Promise<number> {
  const [lo] = ephemeralRange();
  const base = 10_000;
  const top = lo > base + SLICE ? lo : 32_768;
  const slices = Math.max(1, Math.floor((top - base) / SLICE));
  const pool = Math.max(1, Number(process.env.VITEST_POOL_ID ?? 1) || 1);
  const low = base + ((pool - 1) % slices) * SLICE;
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * SLICE);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${low} and ${low + SLICE}`);
}

/** A fresh folder inside this test run's temporary root (removed with it when the run ends). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(runRoot(), `${prefix}-`));
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` with the last error. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Spawned {
  proc: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export function spawnLogged(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Spawned {
  const proc = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<true | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(undefined));
  });
}

function bin(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return name;
}

export interface Mosquitto {
  port: number;
  url: string;
  /** Stops the broker, keeping its config for {@link Mosquitto.start} (a broker restart). */
  kill: () => Promise<void>;
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Debian's Mosquitto on a free loopback port as the plant's external broker: anonymous, or with
 * `users` (name → password, hashed by mosquitto_passwd) and anonymous access off.
 */
export async function startMosquitto(opts: { users?: Record<string, string>; tls?: { caFile: string; certFile: string; keyFile: string; requireClientCertificate?: boolean } } = {}): Promise<Mosquitto> {
  const dir = tempDir('mosquitto');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  let auth = 'allow_anonymous true\n';
  if (opts.users) {
    const pw = join(dir, 'passwd');
    writeFileSync(pw, '');
    for (const [u, p] of Object.entries(opts.users)) execFileSync(bin('mosquitto_passwd'), ['-b', pw, u, p]);
    // Mosquitto drops root and reads the file as its own user.
    chmodSync(dir, 0o755);
    chmodSync(pw, 0o644);
    auth = `allow_anonymous false\npassword_file ${pw}\n`;
  }
  let tls = '';
  if (opts.tls) {
    // Mosquitto reads these as its own user: copies it may read, in the folder it may enter.
    chmodSync(dir, 0o755);
    const copy = (f: string, n: string) => (writeFileSync(join(dir, n), readFileSync(f)), chmodSync(join(dir, n), 0o644), join(dir, n));
    tls = `cafile ${copy(opts.tls.caFile, 'ca.pem')}\ncertfile ${copy(opts.tls.certFile, 'cert.pem')}\nkeyfile ${copy(opts.tls.keyFile, 'key.pem')}\n${opts.tls.requireClientCertificate ? 'require_certificate true\n' : ''}`;
  }
  writeFileSync(conf, `listener ${port} 127.0.0.1\n${tls}${auth}persistence false\nlog_dest stdout\n`);
  let p: Spawned | undefined;
  const start = async () => {
    p = spawnLogged(bin('mosquitto'), ['-c', conf]);
    // Mosquitto block-buffers its log when stdout is a pipe: probe the port instead.
    await waitFor('mosquitto to listen', () => canConnect(port), 10_000, 50);
  };
  await start();
  return {
    port,
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    kill: async () => void (await p?.stop()),
    start,
    stop: async () => {
      await p?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface VictoriaMetrics {
  port: number;
  url: string;
  /** Stops the process, keeping its data for a restart. */
  stop: () => Promise<void>;
  start: () => Promise<void>;
  destroy: () => Promise<void>;
  /** Reads back series through `/api/v1/export` (JSON lines). */
  export: (match: string) => Promise<{ metric: Record<string, string>; values: number[]; timestamps: number[] }[]>;
}

/** Debian's VictoriaMetrics on a free port with its own data dir: it accepts InfluxDB v2 writes. */
export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const dir = tempDir('vm');
  const port = await freePort();
  let p: Spawned | undefined;
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    p = spawnLogged(bin('victoria-metrics'), [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}`, '-search.latencyOffset=0s', '-loggerLevel=ERROR']);
    await waitFor('victoria-metrics /health', async () => ((await fetch(`${url}/health`)).ok ? true : undefined), 20_000, 100);
  };
  await start();
  return {
    port,
    url,
    start,
    stop: async () => void (await p?.stop()),
    destroy: async () => {
      await p?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    export: async (match) => {
      const res = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}`);
      const text = await res.text();
      return text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
    },
  };
}
