import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import type { InfluxConfig } from '../../../src/config/schema.js';
import { InfluxWriter, type LineSender } from '../../../src/timeseries/influx.js';
import { SpillStore } from '../../../src/timeseries/spill.js';
import { tempDir } from '../../helpers/servers.js';
import { join } from 'node:path';

const cfg = (o: Partial<InfluxConfig> = {}): InfluxConfig => ({
  enabled: true,
  url: 'http://127.0.0.1:1',
  token: '',
  org: '',
  bucket: 'b',
  measurement: 'class',
  batchSize: 100,
  flushInterval: 10,
  maxRetries: 0,
  maxBufferLines: 10_000,
  spill: { enabled: true, maxBytes: 10_000_000, replayBatch: 250 },
  ...o,
});

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `m,asset=a,tag=t value=${from + i} ${from + i}`);

describe('spill store', () => {
  it('replays oldest first and survives reopening', () => {
    const file = join(tempDir('spill'), 'spill.db');
    let s = new SpillStore(file, 1_000_000);
    s.append(lines(0, 10), 1);
    s.append(lines(10, 10), 2);
    s.close();
    s = new SpillStore(file, 1_000_000);
    expect(s.stats()).toMatchObject({ lines: 20, oldestSpilledAt: 1 });
    const c = s.peek(15)!;
    expect(c.lines).toBe(10); // whole chunks: 10 + 10 > 15
    expect(c.body.split('\n')[0]).toBe('m,asset=a,tag=t value=0 0');
    s.remove(c.upTo);
    expect(s.peek(100)!.body.split('\n')).toEqual(lines(10, 10));
    s.close();
  });

  it('drops the oldest chunks beyond maxBytes and counts their lines', () => {
    const s = new SpillStore(':memory:', 3 * 10 * 30);
    for (let i = 0; i < 10; i++) s.append(lines(i * 10, 10), i);
    const st = s.stats();
    expect(st.bytes).toBeLessThanOrEqual(900);
    expect(st.droppedTotal + st.lines).toBe(100);
    expect(st.droppedTotal).toBeGreaterThan(0);
    expect(s.peek(10)!.body.split('\n')[0]).toBe(`m,asset=a,tag=t value=${st.droppedTotal} ${st.droppedTotal}`);
    s.close();
  });
});

describe('InfluxWriter store and forward', () => {
  it('spills while the server is down and replays everything once, in order, while live data flows', async () => {
    let up = true;
    const got: number[] = [];
    const send: LineSender = async (body) => {
      await new Promise((r) => setTimeout(r, 1));
      if (!up) throw Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });
      for (const l of body.split('\n')) got.push(Number(l.slice(l.lastIndexOf(' ') + 1)));
    };
    const spill = new SpillStore(':memory:', 100_000_000);
    const w = new InfluxWriter(cfg(), { log: silentLogger, spill, send });
    const write = (ts: number) => w.write({ tag: 't', ts, value: ts, quality: 'Good' }, 'pump', 'p-1', 't');
    for (let t = 0; t < 1000; t++) write(t);
    await w.flush();
    up = false;
    for (let t = 1000; t < 6000; t++) write(t);
    await w.flush();
    expect(w.stats().connected).toBe(false);
    expect(w.stats().spill!.lines).toBe(5000);
    up = true;
    for (let t = 6000; t < 7000; t++) write(t);
    await w.flush();
    const end = Date.now() + 10_000;
    while (w.stats().spill!.lines > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await w.close();
    expect(new Set(got).size).toBe(7000);
    expect(got.length).toBe(7000); // none twice
    const replayed = got.filter((t) => t >= 1000 && t < 6000);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b)); // the spill in its original order
  });

  it('a server slower than the input: what exceeds maxBufferLines waits in the spill, nothing is lost or doubled', async () => {
    const got: number[] = [];
    const send: LineSender = async (body) => {
      await new Promise((r) => setTimeout(r, 20));
      for (const l of body.split('\n')) got.push(Number(l.slice(l.lastIndexOf(' ') + 1)));
    };
    const w = new InfluxWriter(cfg({ maxBufferLines: 300 }), { log: silentLogger, spill: new SpillStore(':memory:', 10_000_000), send });
    for (let t = 0; t < 3000; t++) w.write({ tag: 't', ts: t, value: t, quality: 'Good' }, 'pump', 'p-1', 't');
    await w.flush();
    const end = Date.now() + 10_000;
    while (got.length < 3000 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const st = w.stats();
    await w.close();
    expect(st.spill!.spilledTotal).toBeGreaterThan(0);
    expect(st.droppedMemory).toBe(0);
    expect(got.length).toBe(3000);
    expect(new Set(got).size).toBe(3000);
  });

  it('without a spill, retries a batch in memory maxRetries times, then drops and counts it', async () => {
    let calls = 0;
    const send: LineSender = async () => {
      calls++;
      throw Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    const w = new InfluxWriter(cfg({ maxRetries: 1, spill: { enabled: false, maxBytes: 1, replayBatch: 1 } }), { log: silentLogger, send });
    for (let t = 0; t < 10; t++) w.write({ tag: 't', ts: t, value: t, quality: 'Good' }, 'pump', 'p-1', 't');
    await w.flush(); // first attempt, a 0.5 s pause, the retry, then the drop
    expect(calls).toBe(2);
    expect(w.stats()).toMatchObject({ droppedMemory: 10, buffered: 0, connected: false });
    await w.close();
  });

  it('drops a batch the server refuses for good (400) instead of retrying it forever', async () => {
    const send: LineSender = async () => {
      throw Object.assign(new Error('HTTP 400 bad line'), { statusCode: 400 });
    };
    const w = new InfluxWriter(cfg(), { log: silentLogger, spill: new SpillStore(':memory:', 1_000_000), send });
    w.write({ tag: 't', ts: 1, value: 1, quality: 'Good' }, 'pump', 'p-1', 't');
    await w.flush();
    expect(w.stats()).toMatchObject({ rejected: 1, connected: true });
    await w.close();
  });
});
