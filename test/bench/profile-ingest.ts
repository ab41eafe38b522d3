/**
 * Profiling aid (not part of `npm run bench`): runs the ingest subject at a fixed load with
 * `--cpu-prof` and prints self time by function and by package.
 *   npx tsx test/bench/profile-ingest.ts [msg/s=120000] [kind=1] [embedded|mosquitto] [seconds=8]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Load } from './ingest/measure.js';
import { mosquitto, pinSelf } from './ingest/procs.js';
import { buildGateway, GatewayProcess, ASSETS, TAGS } from './ingest/subject.js';
import { TimedReceiver } from './ingest/latency.js';

const [rate = 120_000, kind = 1] = process.argv.slice(2, 4).map(Number);
const via = process.argv[4] ?? 'embedded';
const seconds = Number(process.argv[5] ?? 8);
const dir = '/tmp/prof';
rmSync(dir, { recursive: true, force: true });
process.env.CBM_BENCH_NODE_FLAGS = `${process.env.CBM_BENCH_NODE_FLAGS ?? ''} --cpu-prof --cpu-prof-dir=${dir}`;
pinSelf();
buildGateway();
const rx = new TimedReceiver();
await rx.start();
const mosq = via === 'mosquitto' ? await mosquitto() : undefined;
const gw = await GatewayProcess.start({ rules: 1000, broker: mosq ? mosq.url : 'embedded', webhookUrl: rx.url });
const load = await Load.connect({ port: mosq ? mosq.port : gw.port, conns: 4, qos: 0, kind: kind as 1 | 10, assets: ASSETS, tags: TAGS });
const r0 = await gw.received();
gw.meter.start();
const res = await load.run(rate, seconds, 10);
await new Promise((r) => setTimeout(r, 500));
const m = gw.meter.stop();
console.log(`sent ${res.sent} msgs in ${res.seconds.toFixed(2)} s; gateway counted ${(await gw.received()) - r0} samples; CPU ${m.cpuPct.toFixed(0)} %`);
load.close();
await gw.stop();
await mosq?.stop();
await rx.receiver.stop();

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const where = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/dist/') ? `ours:${url.split('/dist/')[1]}` : url || '(native)');
  const key = `${n.callFrame.functionName || '(anon)'} ${where}:${n.callFrame.lineNumber}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  const pk = where.startsWith('ours:') ? 'ours' : where;
  pkg.set(pk, (pkg.get(pk) ?? 0) + t);
}
const show = (m: Map<string, number>, n: number) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, t]) => console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`));
console.log('--- by package'); show(pkg, 15);
console.log('--- by function'); show(fn, 45);
process.exit(0);
