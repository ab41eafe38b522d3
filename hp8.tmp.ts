import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ManualClock } from './src/core/clock.js';
import { silentLogger } from './src/core/logger.js';
import { siteConfigSchema } from './src/config/schema.js';
import { Stages } from './src/pipeline/stages.js';
import { openStore } from './src/store/db.js';
const DAY = 86400000;
const big = siteConfigSchema.parse({ gateway: { id: 'b' }, site: { id: 's', name: 'S' }, assets: Array.from({ length: 1000 }, (_, a) => ({ id: `a${a}`, name: 'A', class: 'pump', tags: Array.from({ length: 10 }, (_, t) => ({ id: `t${t}`, range: { min: -1000, max: 1000 } })) })) });
writeFileSync('/tmp/hr.yaml', stringify({ rules: Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, name: 'R', asset: `a${i}`, priority: 3, conditions: { all: [{ fact: 't0', operator: 'greaterThan', value: 90 }] }, deadband: 2, workOrder: { title: 'x' } })) }));
const N = 2000000; const t0 = Date.UTC(2026,0,5) + 2000;
const input = Array.from({ length: N + 100000 }, (_, i) => { const tag = Math.floor(Math.random() * 10000); return { tag: `a${Math.floor(tag/10)}/t${tag%10}`, ts: t0 + Math.floor(i * 25 / 1000), value: 50 + Math.random()*20, quality: 'Good' as const }; });
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const ratios: number[] = [];
for (let r = 0; r < 9; r++) {
  const ms: number[] = [];
  for (const on of [false, true]) {
    const c = new ManualClock(t0);
    const st = new Stages({ config: big, db: openStore(':memory:'), clock: c, log: silentLogger, startedAt: t0, targetIds: () => [], ...(on ? { history: { minutes: 7*DAY, hours: 90*DAY } } : {}) });
    st.loadRules(['/tmp/hr.yaml']);
    let next = t0 + 1000;
    const run = (a: number, b: number) => { for (let i = a; i < b; i += 100) { const last = input[i + 99]!.ts; while (next <= last) { c.set(next); st.pipeline.tick(next); next += 1000; } st.pipeline.ingest(input.slice(i, i + 100)); } };
    run(0, 100000);
    const t = cpu(); run(100000, N + 100000); ms.push(cpu() - t);
  }
  ratios.push(ms[0]! / ms[1]!);
}
ratios.sort();
console.log(process.env.LABEL ?? '', 'on/off rate by cpu: median', (100 * ratios[4]!).toFixed(0), '% ; all', ratios.map((x) => (100 * x).toFixed(0)).join(' '));
