import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../../../gateway/node-flags.js';
import { writeSite, type RuleInput } from '../../helpers/gateway.js';
import { freePort, tempDir, waitFor, type Spawned } from '../../helpers/servers.js';
import { Meter, pinned, SUBJECT_CORE } from './procs.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export const ASSETS = 1000;
export const TAGS = 10;

export interface SubjectOptions {
  rules: number;
  /** Each rule also reads a 1-minute average (default); false: plain thresholds only. */
  windows?: boolean;
  /** Embedded broker, or the URL of an external broker to subscribe to. */
  broker: 'embedded' | string;
  influxUrl?: string;
  webhookUrl: string;
}

/**
 * The gateway as `npm start` runs it: compiled JavaScript (built by the bench into `.bench/dist`,
 * ignored by git) — running the TypeScript through tsx adds a loader thread and its memory.
 * `CBM_BENCH_TSX=1` runs the sources through tsx instead (no build step).
 */
function gatewayEntry(): string[] {
  // CBM_BENCH_NODE_FLAGS: extra Node flags for the subject, e.g. "--cpu-prof" or "--trace-gc" when profiling.
  // The gateway's own flags first (as `npm start` runs it), then any extra ones.
  const flags = [...GATEWAY_NODE_FLAGS, ...(process.env.CBM_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  if (process.env.CBM_BENCH_TSX === '1') return [...flags, '--import', 'tsx', join(root, 'gateway/cli.ts')];
  return [...flags, join(distDir(), 'gateway/cli.js')];
}

/** CBM_BENCH_DIST: run another build of the gateway (e.g. the previous commit's) to compare before/after. */
function distDir(): string {
  return process.env.CBM_BENCH_DIST ?? join(root, '.bench/dist');
}

/** Newest modification time under a folder (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the gateway into `.bench/dist` unless that build is newer than every source file. */
export function buildGateway(): void {
  if (process.env.CBM_BENCH_TSX === '1' || process.env.CBM_BENCH_DIST) return;
  const cli = join(root, '.bench/dist/gateway/cli.js');
  if (existsSync(cli) && statSync(cli).mtimeMs > Math.max(...['src', 'gateway', 'simulators'].map((d) => newest(join(root, d))))) return;
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(root, '.bench/dist')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not build the gateway into .bench/dist');
}

/**
 * Rule i watches tag t(k) of asset a(i mod 1000), k = ⌊i/1000⌋, above 90 — or the 1-minute average
 * of t(k+1) above 90, so every rule keeps a window (60 buckets) up to date as well. Load values
 * stay within 20–80, so only markers (t0 = 95) fire; 1,000 rules = every asset's t0 (+ t1 window).
 */
function rules(n: number, windows: boolean): RuleInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    name: `Rule ${i}`,
    asset: `a${i % ASSETS}`,
    priority: 3,
    conditions: {
      any: [
        { fact: `t${Math.floor(i / ASSETS) % TAGS}`, operator: 'greaterThan', value: 90 },
        ...(windows ? [{ fact: `t${(Math.floor(i / ASSETS) + 1) % TAGS}`, operator: 'greaterThan' as const, value: 90, params: { stat: 'avg', window: '1m' } }] : []),
      ],
    },
    deadband: 2,
    // Markers re-visit an asset every ~30 s; the bench measures speed, not ISA-18.2 chattering or
    // EEMUA 191 repeating suppression, nor order consolidation: every raise makes an order.
    chatter: { count: 1_000_000, window: 1000 },
    repeating: { perHour: 1_000_000, perDay: 1_000_000 },
    rearm: 'clear' as const,
    workOrder: { title: 'High value on {{asset.name}}' },
  }));
}

/** The gateway, spawned through its CLI as a user would run it, pinned to the subject core. */
export class GatewayProcess {
  private p!: Spawned;
  api = '';
  port = 0;
  meter!: Meter;
  /** asset → times (ms, from the log line written after the commit) of "alarm raised". */
  readonly raised = new Map<string, number[]>();
  private buf = '';

  static async start(o: SubjectOptions): Promise<GatewayProcess> {
    const g = new GatewayProcess();
    const apiPort = await freePort();
    const brokerPort = o.broker === 'embedded' ? await freePort() : 0;
    const topics = [{ topic: 's/{asset}/{tag}', format: 'json' as const }, { topic: 's/{asset}', format: 'json' as const }];
    const dir = tempDir('bench-gw');
    const { file } = writeSite(
      {
        gateway: { id: 'bench', dataDir: join(dir, 'data'), logLevel: 'info', watchRules: false },
        site: { id: 'bench', name: 'Bench' },
        assets: Array.from({ length: ASSETS }, (_, a) => ({
          id: `a${a}`,
          name: `Asset ${a}`,
          class: 'pump',
          tags: Array.from({ length: TAGS }, (_, t) => ({ id: `t${t}`, unit: 'degC', range: { min: -1000, max: 1000 } })),
        })),
        sources: [o.broker === 'embedded' ? { id: 'mqtt', type: 'mqtt', broker: { enabled: true, port: brokerPort, allowAnonymous: true }, topics } : { id: 'mqtt', type: 'mqtt', url: o.broker, qos: 1, topics }],
        ...(o.influxUrl ? { influx: { url: o.influxUrl, bucket: 'bench', org: 'bench' } } : {}),
        workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: o.webhookUrl }], flood: { count: 1_000_000_000 } },
        api: { port: apiPort },
      },
      rules(o.rules, o.windows ?? true),
      dir,
    );
    g.port = brokerPort;
    g.api = `http://127.0.0.1:${apiPort}`;
    g.p = pinned(SUBJECT_CORE, process.execPath, [...gatewayEntry(), 'start', '--config', file], { cwd: root });
    g.p.proc.stdout!.on('data', (d: Buffer) => g.onLog(d.toString()));
    await waitFor(
      'the gateway API and source',
      async () => {
        if (g.p.proc.exitCode !== null) throw new Error(`gateway exited: ${g.p.output().slice(-2000)}`);
        const h = (await (await fetch(`${g.api}/api/health`)).json()) as { sources: { state: string }[] };
        return h.sources.every((s) => s.state === 'connected') ? true : undefined;
      },
      60_000,
      200,
    );
    g.meter = new Meter(g.p.proc.pid!);
    return g;
  }

  private onLog(text: string): void {
    this.buf += text;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (!line.includes('"alarm raised"')) continue;
      const j = JSON.parse(line) as { time: string; asset: string };
      const list = this.raised.get(j.asset) ?? [];
      list.push(Date.parse(j.time));
      this.raised.set(j.asset, list);
    }
  }

  /** Samples that reached the rules (valid, known tag), as the gateway's API reports them. */
  async received(): Promise<number> {
    const h = (await (await fetch(`${this.api}/api/health`)).json()) as { ingest: { accepted: number } };
    return h.ingest.accepted;
  }

  get pid(): number {
    return this.p.proc.pid!;
  }

  async stop(): Promise<void> {
    await this.p.stop('SIGTERM');
  }
}
