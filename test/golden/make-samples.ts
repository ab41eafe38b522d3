/**
 * Writes the samples of each golden scenario (deterministic: seeded noise). Run with
 * `npx tsx test/golden/make-samples.ts` after changing a scenario; the expected outputs are
 * reviewed by hand, not regenerated blindly (see README.md in this folder).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../../simulators/plant/model.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const H = 3_600_000;
type Row = [number, string, number];

function write(dir: string, rows: Row[]): void {
  const text = ['ts,asset,tag,value', ...rows.map(([t, tag, v]) => `${new Date(t).toISOString()},p-1,${tag},${v}`)].join('\n');
  writeFileSync(join(import.meta.dirname, dir, 'samples.csv'), `${text}\n`);
}
const r2 = (v: number) => Math.round(v * 100) / 100;

// 1. A bearing warming 0.4 °C/h from 60 °C: the trend rule should order days before 95 °C.
{
  const n = rng(1);
  const rows: Row[] = [];
  for (let t = 0; t <= 100 * H; t += 20 * 60_000) rows.push([T0 + t, 'bearing_temp', r2(60 + 0.4 * (t / H) + (n() - 0.5) * 1.5)]);
  write('slow-bearing-degradation', rows);
}
// 2. A sensor flapping around 80 °C every 8 s for 5 minutes, then settling high.
{
  const rows: Row[] = [];
  for (let i = 0; i < 40; i++) rows.push([T0 + i * 8000, 'bearing_temp', i % 2 === 0 ? 86 : 70]);
  for (let i = 40; i < 60; i++) rows.push([T0 + i * 8000, 'bearing_temp', 88]);
  write('chattering-sensor', rows);
}
// 3. A 5-second spike to 100 °C (on-delay 30 s keeps it quiet), later a sustained excursion.
{
  const rows: Row[] = [];
  for (let s = 0; s < 300; s++) {
    const v = s >= 60 && s < 65 ? 100 : s >= 200 && s < 260 ? 97 : 65;
    rows.push([T0 + s * 1000, 'bearing_temp', v]);
  }
  write('on-delay-spike', rows);
}
// 4. A sensor that reports every 10 s, falls silent for 4 minutes, then comes back.
{
  const rows: Row[] = [];
  for (let s = 0; s <= 120; s += 10) rows.push([T0 + s * 1000, 'vibration', 2.1]);
  for (let s = 360; s <= 400; s += 10) rows.push([T0 + s * 1000, 'vibration', 2.2]);
  write('stale-sensor', rows);
}
// 5. A pump running 20 h a day (stopped 02:00-06:00) for 30 days: PM every 250 run hours.
{
  const rows: Row[] = [];
  for (let t = 0; t <= 30 * 24 * H; t += H) {
    const hour = (t / H) % 24;
    rows.push([T0 + t, 'running', hour >= 2 && hour < 6 ? 0 : 1]);
  }
  write('run-hour-pm', rows);
}
// 6. Shelved at 00:01 for 10 minutes; the bearing runs hot from 00:03 and stays hot.
{
  const rows: Row[] = [];
  for (let s = 0; s <= 1200; s += 30) rows.push([T0 + s * 1000, 'bearing_temp', s >= 180 ? 92 : 66]);
  write('shelved-returns', rows);
}
