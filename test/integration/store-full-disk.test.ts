import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { siteConfigSchema } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Sample } from '../../src/core/sample.js';
import { Stages } from '../../src/pipeline/stages.js';
import { openStore } from '../../src/store/db.js';
import { pumpSite } from '../helpers/gateway.js';
import { tempDir } from '../helpers/servers.js';

/**
 * Issue 18: with the data disk full, alarm commits failed and their orders were never created,
 * while QoS 1 publishes were still acknowledged. The store lives on a small tmpfs mounted by the
 * test (root, as on the CI machines) and a filler file takes the last free byte.
 */
const dirs: string[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) spawnSync('umount', ['-l', m]);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function smallDisk(): string {
  const dir = tempDir('store-fault');
  dirs.push(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`this test mounts a small tmpfs and needs root: ${r.stderr}`);
  mounts.push(dir);
  return dir;
}

/** Writes a file until the filesystem is full; returns its path (delete it to free the space). */
function fillDisk(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    expect((e as { code?: string }).code).toBe('ENOSPC');
  }
  try {
    for (;;) writeSync(fd, chunk, 0, 1);
  } catch {
    // the last bytes are taken too
  }
  closeSync(fd);
  return file;
}

function setup() {
  const dir = smallDisk();
  const site = siteConfigSchema.parse({ ...pumpSite(3), rules: [] });
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, stringify({ rules: [{ id: 'hot', name: 'Hot', selector: { class: 'pump' }, priority: 2, conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 90 }] }, workOrder: { title: 'Hot {{asset.name}}' } }] }));
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 8));
  const db = openStore(join(dir, 'gateway.db'));
  const stages = new Stages({ config: site, db, clock, log: silentLogger, startedAt: clock.now(), targetIds: () => ['cmms'] });
  stages.loadRules([rules]);
  const sample = (asset: string, value: number): Sample[] => [{ tag: `${asset}/bearing_temp`, ts: clock.now(), value, quality: 'Good' }];
  const orders = () => (db.prepare('SELECT asset_id FROM work_orders ORDER BY rowid').all() as { asset_id: string }[]).map((r) => r.asset_id);
  return { stages, db, clock, sample, orders, dir };
}

describe('the store cannot write', () => {
  it('holds alarm changes and their orders in memory, withholds durability, and commits them when it can write again', async () => {
    const { stages, clock, sample, orders, dir } = setup();
    const filler = fillDisk(dir);
    const { pipeline, committer } = stages;
    pipeline.ingest(sample('p-1', 95));
    pipeline.ingest(sample('p-2', 96));
    let acked = false;
    pipeline.whenDurable(() => (acked = true));
    expect(orders()).toEqual([]);
    expect(committer.stats()).toMatchObject({ writable: false, held: 2 });
    expect(committer.stats().error).toMatch(/full/);
    expect(acked).toBe(false); // a QoS 1 publish would not be acknowledged

    // Still full: a tick retries, and a third alarm joins the held ones, in order.
    clock.set(clock.now() + 1000);
    pipeline.ingest(sample('p-3', 97));
    pipeline.tick(clock.now());
    expect(orders()).toEqual([]);
    expect(committer.stats().held).toBe(3);

    // Space comes back: the next tick commits every held change, once.
    rmSync(filler);
    clock.set(clock.now() + 1000);
    pipeline.tick(clock.now());
    expect(orders()).toEqual(['p-1', 'p-2', 'p-3']);
    expect(committer.stats()).toMatchObject({ writable: true, held: 0 });
    expect(acked).toBe(true);
    expect(pipeline.stats.workOrders).toBe(3);
    pipeline.tick(clock.now() + 1000);
    expect(orders()).toEqual(['p-1', 'p-2', 'p-3']);
  });
});
