import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../gateway/node-flags.js';

/**
 * `npm run demo`: the laptop plant in one command. Starts the local CMMS receiver, the Modbus
 * simulator (compressor C-201 on :5020), the gateway
 * on edge-config/demo.yaml (embedded broker, SQLite) and the plant simulator, and interleaves
 * their output. P-101's bearing warms past its limit about 40 s in; its work order follows.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const secret = process.env.CBM_WEBHOOK_SECRET ?? 'demo-secret';
const env = { ...process.env, CBM_WEBHOOK_SECRET: secret };
const children: ChildProcess[] = [];
const t0 = Date.now();

function prefixLines(name: string, stream: NodeJS.ReadableStream, pretty?: (line: string) => string | undefined): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      const out = pretty ? pretty(l) : l;
      if (out !== undefined) process.stdout.write(`[+${String(Math.round((Date.now() - t0) / 1000)).padStart(3)}s ${name}] ${out}\n`);
    }
  });
}

/** Gateway logs are JSON lines; show the message and the interesting fields. */
function prettyLog(line: string): string | undefined {
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    const { level, time, pid, hostname, name, msg, ...rest } = j;
    void time; void pid; void hostname; void name;
    const lvl = ({ 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' } as Record<number, string>)[level as number] ?? 'debug';
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    return `${lvl} ${String(msg)} ${fields}`;
  } catch {
    return line;
  }
}

function run(name: string, script: string, args: string[], pretty?: (l: string) => string | undefined, nodeFlags: readonly string[] = []): ChildProcess {
  const c = spawn(process.execPath, [...nodeFlags, resolve(root, 'dist', script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixLines(name, c.stdout!, pretty);
  prefixLines(name, c.stderr!);
  c.on('exit', (code, sig) => {
    if (!stopping) {
      process.stdout.write(`[demo] ${name} exited (${code ?? sig}); stopping the demo\n`);
      shutdown(1);
    }
  });
  children.push(c);
  return c;
}

let stopping = false;
function shutdown(code = 0): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

process.stdout.write(`[demo] dashboard: http://127.0.0.1:8080/   API: http://127.0.0.1:8080/api/assets\n`);
run('cmms', 'simulators/cmms/receiver-main.js', ['--port', '8081']);
run('modbus', 'simulators/modbus/main.js', ['--port', '5020']);
run('opcua', 'simulators/opcua/main.js', ['--port', '4840', '--pki', resolve(root, '.data/opcua-sim-pki')]);
run('gateway', 'gateway/cli.js', ['start', '--config', resolve(root, 'edge-config/demo.yaml')], prettyLog, GATEWAY_NODE_FLAGS);
// Start the sensors once the gateway's embedded broker accepts connections (a loaded laptop may take a while).
const deadline = Date.now() + 60_000;
while (!(await canConnect(1883))) {
  if (Date.now() > deadline || stopping) {
    process.stdout.write('[demo] the gateway did not open its MQTT broker on 1883 within 60 s; stopping\n');
    shutdown(1);
    break;
  }
  await wait(250);
}
if (!stopping) run('plant', 'simulators/plant/main.js', ['--mqtt', 'mqtt://127.0.0.1:1883']);
