import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWebBuilt } from '../../gateway/web/build.js';
import { freePort, tempDir, waitFor } from '../helpers/servers.js';

const ROOT = join(import.meta.dirname, '../..');
const DEMO = join(ROOT, 'dist/simulators/demo.js');

/** The users `npm run demo` makes, one per role (it prints them). */
export const DEMO_USERS = (['viewer', 'technician', 'engineer', 'admin'] as const).map((role) => ({ user: role, role, password: `${role}-demo` }));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'web' && dir.endsWith('gateway')) continue; // the page: ensureWebBuilt's concern
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}

/**
 * The build a user runs (`npm run demo` builds first): compiled again when any TypeScript source
 * of the gateway, the engine or the simulators is newer than the compiled demo, so a test never
 * drives yesterday's code.
 */
export async function ensureDemoBuilt(): Promise<void> {
  let built = 0;
  try {
    built = statSync(DEMO).mtimeMs;
  } catch {
    // not built
  }
  if (built < Math.max(...['src', 'gateway', 'simulators'].map((d) => newest(join(ROOT, d))))) {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed: ${r.stdout}${r.stderr}`);
  }
  await ensureWebBuilt();
}

export interface RunningDemo {
  /** The dashboard and API. */
  url: string;
  /** The demo's CMMS receiver (`GET /work-orders` lists what it received). */
  cmmsUrl: string;
  dataDir: string;
  /** Everything the demo printed so far. */
  output(): string;
  /** Waits for a line the demo prints. */
  printed(line: RegExp, timeoutMs: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the demo as `npm run demo -- --fresh` does (the built `dist/simulators/demo.js`), with a
 * data dir of its own in the run's temporary root and free ports, so that it shares nothing with
 * another test or a demo running on the machine; resolves once its gateway has started and the
 * dashboard answers.
 */
export async function startDemo(): Promise<RunningDemo> {
  const ports: Record<string, number> = {};
  for (const name of ['mqtt', 'compressor', 'modbus', 'opcua', 'api', 'cmms']) {
    let p = await freePort();
    while (Object.values(ports).includes(p)) p = await freePort();
    ports[name] = p;
  }
  const dataDir = join(tempDir('demo'), 'data');
  const args = [DEMO, '--fresh', '--data-dir', dataDir, '--ports', Object.entries(ports).map(([k, v]) => `${k}=${v}`).join(',')];
  // Its own process group: the gateway it starts goes with it, even when the demo must be killed.
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `http://127.0.0.1:${ports.api}`;
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const printed = (line: RegExp, timeoutMs: number) =>
    waitFor(
      `the demo to print ${line}`,
      () => {
        if (!running()) throw new Error(`the demo exited (${proc.exitCode ?? proc.signalCode}):\n${out}`);
        return out.split('\n').find((l) => line.test(l));
      },
      timeoutMs,
      100,
    );
  const demo: RunningDemo = {
    url,
    cmmsUrl: `http://127.0.0.1:${ports.cmms}`,
    dataDir,
    output: () => out,
    printed,
    async stop() {
      if (running()) proc.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      if (!stopped) process.kill(-proc.pid!, 'SIGKILL');
      await exited;
    },
  };
  try {
    await printed(/gateway {2}started: \d+ assets/, 60_000);
    await waitFor('the dashboard to answer', async () => (await fetch(`${url}/api/health`)).status < 500 || undefined, 20_000, 100);
  } catch (e) {
    await demo.stop();
    throw e;
  }
  return demo;
}

/** A login session for the test's own reads of the API (GET needs no CSRF token). */
export async function apiLogin(url: string, user: string, password: string): Promise<<T>(path: string) => Promise<T>> {
  const r = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  if (r.status !== 200) throw new Error(`login as ${user}: ${r.status} ${await r.text()}`);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return async <T,>(path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}
