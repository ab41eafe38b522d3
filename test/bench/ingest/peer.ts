import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir, waitFor, type Spawned } from '../../helpers/servers.js';
import { Meter, pinned, SUBJECT_CORE } from './procs.js';

/**
 * The peer: Node-RED 4.1.x (5.x needs Node 22), installed on first use into
 * `test/bench/.peer/` (ignored by git; not a dependency of the gateway), running
 * `test/bench/node-red-flow.json` pinned to the subject core.
 */
const benchDir = fileURLToPath(new URL('../', import.meta.url));
const peerDir = join(benchDir, '.peer');
const redJs = join(peerDir, 'node_modules', 'node-red', 'red.js');

export function installNodeRed(): void {
  if (existsSync(redJs)) return;
  mkdirSync(peerDir, { recursive: true });
  writeFileSync(join(peerDir, 'package.json'), JSON.stringify({ name: 'cbm-bench-peer', private: true, dependencies: { 'node-red': '~4.1.0' } }, null, 2));
  process.stdout.write('installing Node-RED 4.1.x into test/bench/.peer (first run only)…\n');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev'], { cwd: peerDir, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(redJs)) throw new Error('could not install Node-RED into test/bench/.peer');
}

/** The installed Node-RED's version, for the table. */
export function nodeRedVersion(): string {
  installNodeRed();
  return (JSON.parse(readFileSync(join(peerDir, 'node_modules', 'node-red', 'package.json'), 'utf8')) as { version: string }).version;
}

export class NodeRed {
  private p!: Spawned;
  url = '';
  meter!: Meter;

  static async start(mqttPort: number, sinkUrl: string): Promise<NodeRed> {
    installNodeRed();
    const n = new NodeRed();
    const port = await freePort();
    const userDir = tempDir('bench-nodered');
    copyFileSync(join(benchDir, 'node-red-flow.json'), join(userDir, 'flows.json'));
    n.url = `http://127.0.0.1:${port}`;
    n.p = pinned(SUBJECT_CORE, process.execPath, [redJs, '--userDir', userDir, '--port', String(port), join(userDir, 'flows.json')], {
      cwd: userDir,
      env: { ...process.env, MQTT_PORT: String(mqttPort), SINK_URL: sinkUrl },
    });
    await waitFor(
      'Node-RED connected to the broker',
      () => {
        if (n.p.proc.exitCode !== null) throw new Error(`Node-RED exited: ${n.p.output().slice(-2000)}`);
        return /Connected to broker/.test(n.p.output()) ? true : undefined;
      },
      60_000,
      200,
    );
    await waitFor('Node-RED /count', async () => ((await fetch(`${n.url}/count`)).ok ? true : undefined), 20_000, 200);
    n.meter = new Meter(n.p.proc.pid!);
    return n;
  }

  async received(): Promise<number> {
    return ((await (await fetch(`${this.url}/count`)).json()) as { samples: number }).samples;
  }

  get pid(): number {
    return this.p.proc.pid!;
  }

  async stop(): Promise<void> {
    await this.p.stop('SIGTERM');
  }
}
