import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { AlarmStore } from '../../../src/alarms/store.js';
import { ManualClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Sample } from '../../../src/core/sample.js';
import { GROUP_HOLD_MS } from '../../../src/pipeline/pipeline.js';
import { Stages } from '../../../src/pipeline/stages.js';
import { openStore } from '../../../src/store/db.js';
import { siteConfigSchema } from '../../../src/config/schema.js';
import { pumpSite } from '../../helpers/gateway.js';
import { tempDir } from '../../helpers/servers.js';

/**
 * One pipeline over 3 pumps, each with a rule "temp above 90"; time and the monotonic clock are
 * manual, and each commit takes `commitMs` of the monotonic clock (set it to act out a slow disk).
 */
function setup() {
  const site = siteConfigSchema.parse({ ...pumpSite(3), rules: [] });
  const dir = tempDir('group-commit');
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ rules: [{ id: 'hot', name: 'Hot', selector: { class: 'pump' }, priority: 2, conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 90 }] }, workOrder: { title: 'Hot {{asset.name}}' } }] }));
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 8));
  const db = openStore(':memory:');
  let mono = 0;
  const slow = { commitMs: 0 };
  const commits: number[] = [];
  const stages = new Stages({
    config: site, db, clock, log: silentLogger, startedAt: clock.now(), targetIds: () => ['t'],
    monotonic: () => mono,
    onCommitted: (changes) => commits.push(changes.length),
  });
  stages.loadRules([file]);
  const alarms = stages.alarmStore;
  const save = alarms.save.bind(alarms);
  alarms.save = (...a: Parameters<AlarmStore['save']>) => ((mono += slow.commitMs), save(...a));
  const { pipeline } = stages;
  const hot = (asset: string): Sample[] => [{ tag: `${asset}/bearing_temp`, ts: clock.now(), value: 95, quality: 'Good' }];
  return { pipeline, commits, hot, slow, advance: (ms: number) => (mono += ms) };
}

describe('group commit', () => {
  it('commits at the end of the event-loop turn, together, and calls back those waiting for durability', async () => {
    const { pipeline, commits, hot } = setup();
    pipeline.ingest(hot('p-1'), true);
    pipeline.ingest(hot('p-2'), true);
    let durable = false;
    pipeline.whenDurable(() => (durable = true));
    expect(commits).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(commits).toEqual([2]);
    expect(durable).toBe(true);
  });

  it(`commits within the turn once the oldest held transition is ${GROUP_HOLD_MS.min} ms old (fast commits)`, async () => {
    const { pipeline, commits, hot, advance } = setup();
    let durable = false;
    pipeline.ingest(hot('p-1'), true);
    pipeline.whenDurable(() => (durable = true));
    advance(GROUP_HOLD_MS.min / 2);
    pipeline.ingest(hot('p-2'), true);
    expect(commits).toEqual([]); // still within the bound
    advance(GROUP_HOLD_MS.min / 2);
    pipeline.ingest(hot('p-3'), true);
    expect(commits).toEqual([3]); // same turn, no setImmediate yet
    expect(durable).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(commits).toEqual([3]); // nothing left for the end of the turn
  });

  it('holds as long as the previous commit took, up to its ceiling, so slow commits fill at most half a long turn', async () => {
    const { pipeline, commits, hot, slow, advance } = setup();
    slow.commitMs = 1.5; // a slow disk: each commit (one row here) takes 1.5 ms
    pipeline.ingest(hot('p-1'), true);
    await new Promise((r) => setImmediate(r));
    expect(commits).toEqual([1]);
    pipeline.ingest(hot('p-2'), true);
    advance(1);
    pipeline.ingest(hot('p-3'), true);
    expect(commits).toEqual([1]); // 1 ms: past the floor, but the last commit took 1.5
    advance(0.5);
    pipeline.ingest([], true);
    expect(commits).toEqual([1, 2]);
    slow.commitMs = 10; // a stall: the hold stops at its ceiling
    pipeline.ingest(hot('p-1').map((s) => ({ ...s, value: 50 })), true); // clears p-1
    await new Promise((r) => setImmediate(r));
    expect(commits).toEqual([1, 2, 1]);
    slow.commitMs = 0;
    pipeline.ingest(hot('p-2').map((s) => ({ ...s, value: 50 })), true);
    advance(GROUP_HOLD_MS.max - 0.1);
    pipeline.ingest([], true);
    expect(commits).toEqual([1, 2, 1]);
    advance(0.1);
    pipeline.ingest([], true);
    expect(commits).toEqual([1, 2, 1, 1]);
  });
});
