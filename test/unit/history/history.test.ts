import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { siteConfigSchema } from '../../../src/config/schema.js';
import { silentLogger, type Logger } from '../../../src/core/logger.js';
import { History } from '../../../src/history/history.js';
import { openStore, type Db } from '../../../src/store/db.js';
import { Catalog } from '../../../src/tags/catalog.js';
import { tempDir } from '../../helpers/servers.js';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0); // on an hour (and block) boundary
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function tags(ids = ['a/x', 'a/y', 'b/x']) {
  const assets = new Map<string, string[]>();
  for (const k of ids) {
    const [a, t] = k.split('/') as [string, string];
    assets.set(a, [...(assets.get(a) ?? []), t]);
  }
  const site = siteConfigSchema.parse({
    gateway: { id: 'g' },
    site: { id: 's', name: 'S' },
    assets: [...assets].map(([id, ts]) => ({ id, name: id, tags: ts.map((t) => ({ id: t })) })),
  });
  return new Catalog(site).tags;
}

const open = (file = ':memory:') => openStore(file);
const make = (db: Db, o: { minutes?: number; hours?: number; tagIds?: string[]; log?: Logger } = {}) =>
  new History(db, tags(o.tagIds), { minutes: o.minutes ?? 7 * DAY, hours: o.hours ?? 90 * DAY, log: o.log ?? silentLogger });
const count = (db: Db, table: string) => (db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number);

/** The points of a tag, rounded to what a test states. */
const points = (h: History, tag: number, from: number, to: number, res: '1m' | '1h', now = to) =>
  h.query(tag, from, to, res, now).map((p) => ({ t: new Date(p.t).toISOString().slice(11, 16), min: p.min, avg: p.sum / p.count, max: p.max, last: p.last, count: p.count }));

describe('local history: 1-minute aggregates', () => {
  it('keeps min, avg, max, last and count per minute across minute boundaries', () => {
    const h = make(open());
    // 10:00: 3 samples, 10:01: 2 samples (the second minute's first sample closes the first).
    h.add(0, T0 + 1_000, 10);
    h.add(0, T0 + 20_000, 30);
    h.add(0, T0 + 59_999, 20);
    h.add(0, T0 + MIN, 5);
    h.add(0, T0 + MIN + 30_000, 7);
    h.add(1, T0 + 10_000, 100); // another tag: its own minute
    h.flush(T0 + 2 * MIN + 5_000); // both 10:01 and the quiet tag's 10:00 are over, with grace
    expect(points(h, 0, T0, T0 + HOUR, '1m')).toEqual([
      { t: '10:00', min: 10, avg: 20, max: 30, last: 20, count: 3 },
      { t: '10:01', min: 5, avg: 6, max: 7, last: 7, count: 2 },
    ]);
    expect(points(h, 1, T0, T0 + HOUR, '1m')).toEqual([{ t: '10:00', min: 100, avg: 100, max: 100, last: 100, count: 1 }]);
    expect(points(h, 2, T0, T0 + HOUR, '1m')).toEqual([]);
  });

  it('takes `last` by sample time, not arrival, and ignores values that are not numbers', () => {
    const h = make(open());
    h.add(0, T0 + 40_000, 4);
    h.add(0, T0 + 10_000, 1); // arrives later, happened earlier
    h.add(0, T0 + 20_000, Number.NaN);
    h.add(0, T0 + 21_000, Infinity);
    expect(points(h, 0, T0, T0 + MIN, '1m')).toEqual([{ t: '10:00', min: 1, avg: 2.5, max: 4, last: 4, count: 2 }]);
  });

  it('answers the open minute and closed minutes not yet flushed (charts see the newest data)', () => {
    const h = make(open());
    h.add(0, T0, 1);
    h.add(0, T0 + MIN, 2); // closes 10:00 into the queue; no flush yet
    expect(points(h, 0, T0, T0 + 2 * MIN, '1m').map((p) => [p.t, p.last])).toEqual([
      ['10:00', 1],
      ['10:01', 2],
    ]);
  });

  it('closes a quiet tag\'s minute at the tick after the minute ended plus grace, not before', () => {
    const db = open();
    const h = make(db);
    h.add(0, T0 + 1_000, 1);
    h.flush(T0 + MIN + 4_000); // 4 s after the minute: within the grace
    expect(count(db, 'history_journal')).toBe(0);
    h.add(0, T0 + 59_000, 3); // a little late: still lands in its minute
    h.flush(T0 + MIN + 5_000);
    expect(db.prepare('SELECT count, max_value FROM history_journal').get()).toEqual({ count: 2, max_value: 3 });
  });

  it('stores a minute hours old that arrives for a quiet tag at the next ticks, not only when the hour moves on', () => {
    const db = open();
    const h = make(db);
    for (let m = 0; m <= 130; m++) h.flush(T0 + m * MIN + 1_000); // two hours of ticks: nothing to write
    h.add(2, T0 + 30_000, 7); // tag 2's first sample, from 10:00
    h.flush(T0 + 130 * MIN + 2_000); // closes the minute and stores its block, though neither moment moved on since the last tick
    expect(count(db, 'history_blocks')).toBe(1);
    expect(points(h, 2, T0, T0 + HOUR, '1h', T0 + 131 * MIN)).toEqual([{ t: '10:00', min: 7, avg: 7, max: 7, last: 7, count: 1 }]);
  });

  it('merges a late sample into a minute already written, and into its hour', () => {
    const db = open();
    const h = make(db);
    for (let m = 0; m < 45; m++) h.add(0, T0 + m * MIN, 10);
    h.flush(T0 + 46 * MIN); // 10:00-10:19 and 10:20-10:39 stored as blocks
    expect(count(db, 'history_blocks')).toBe(2);
    h.add(0, T0 + 5 * MIN + 1, 99); // late, for 10:05
    h.add(0, T0 + 5 * MIN + 2, -1);
    h.flush(T0 + 47 * MIN);
    expect(points(h, 0, T0 + 5 * MIN, T0 + 5 * MIN, '1m')).toEqual([{ t: '10:05', min: -1, avg: 108 / 3, max: 99, last: -1, count: 3 }]);
    const [hour] = points(h, 0, T0, T0 + 59 * MIN, '1h', T0 + 47 * MIN);
    expect(hour).toEqual({ t: '10:00', min: -1, avg: (45 * 10 + 99 - 1) / 47, max: 99, last: 10, count: 47 });
  });
});

describe('local history: hours, retention, restart', () => {
  /** One sample a minute (at :30) of `v(m)` for minutes `from` to `to` - 1 after T0, flushed as the ticker would. */
  function feed(h: History, to: number, v: (m: number) => number, from = 0, tag = 0) {
    for (let m = from; m < to; m++) {
      h.add(tag, T0 + m * MIN + 30_000, v(m));
      if (m % 5 === 0) h.flush(T0 + m * MIN + 31_000);
    }
  }

  it('rolls minutes up into hours: the hour is the aggregate of its minutes', () => {
    const db = open();
    const h = make(db);
    feed(h, 3 * 60 + 30, (m) => (m % 60) + Math.floor(m / 60) * 1000); // 10:00-13:29
    const now = T0 + 3 * HOUR + 31 * MIN;
    h.flush(now);
    const minutes = points(h, 0, T0, now, '1m');
    const hours = points(h, 0, T0, now, '1h');
    expect(hours.map((p) => p.t)).toEqual(['10:00', '11:00', '12:00', '13:00']);
    for (const hr of hours) {
      const ms = minutes.filter((p) => p.t.slice(0, 2) === hr.t.slice(0, 2));
      expect(hr).toEqual({
        t: hr.t,
        min: Math.min(...ms.map((p) => p.min)),
        max: Math.max(...ms.map((p) => p.max)),
        avg: ms.reduce((s, p) => s + p.avg * p.count, 0) / ms.reduce((s, p) => s + p.count, 0),
        last: ms.at(-1)!.last,
        count: ms.length,
      });
    }
    expect(hours[1]).toMatchObject({ min: 1000, max: 1059, avg: 1029.5, count: 60 });
    // The current hour (13:00-13:29) is partly stored (one block) and partly in memory.
    expect(hours[3]).toMatchObject({ min: 3000, max: 3029, count: 30 });
  });

  it('prunes 1-minute blocks and hours past their retention', () => {
    const db = open();
    const h = make(db, { minutes: 2 * HOUR, hours: 6 * HOUR });
    feed(h, 10 * 60, () => 1);
    const now = T0 + 10 * HOUR;
    h.flush(now);
    const oldest = (table: string, col: string) => db.prepare(`SELECT min(${col}) FROM ${table}`).pluck().get() as number;
    // Blocks: 2 h back from 20:00 → from 18:00 on (the block holding the cut is kept).
    expect(new Date(oldest('history_blocks', 'start') * MIN).toISOString().slice(11, 16)).toBe('18:00');
    expect(new Date(oldest('history_hours', 'hour') * MIN).toISOString().slice(11, 16)).toBe('14:00');
    expect(points(h, 0, T0, now, '1m')[0]!.t).toBe('18:00');
    expect(points(h, 0, T0, now, '1h').map((p) => p.t)).toEqual(['14:00', '15:00', '16:00', '17:00', '18:00', '19:00']);
    // The journal keeps only the minutes of blocks not yet stored.
    expect(count(db, 'history_journal')).toBeLessThanOrEqual(20);
  });

  it('survives a crash: closed minutes come back from the journal, the open minute is lost', () => {
    const file = join(tempDir('history'), 'gateway.db');
    let db = open(file);
    let h = make(db);
    feed(h, 27, (m) => m); // 10:00-10:26: one block stored, 10:20-10:25 journalled, 10:26 open
    h.flush(T0 + 26 * MIN + 31_000);
    db.close(); // no h.close(): a crash
    db = open(file);
    h = make(db);
    const after = points(h, 0, T0, T0 + HOUR, '1m');
    expect(after).toHaveLength(26);
    expect(after.at(-1)).toMatchObject({ t: '10:25', last: 25, count: 1 });
    // Minutes go on into the same block, which is stored once, without double counting.
    feed(h, 45, (m) => m, 25); // 10:25 again: it merges with the replayed one
    h.flush(T0 + 46 * MIN);
    expect(points(h, 0, T0 + 20 * MIN, T0 + 39 * MIN, '1m').map((p) => p.count)).toEqual([...Array(20)].map((_, m) => (m === 5 ? 2 : 1)));
    db.close();
  });

  it('a clean stop writes the open minute too', () => {
    const file = join(tempDir('history'), 'gateway.db');
    let db = open(file);
    let h = make(db);
    h.add(0, T0 + 1_000, 5);
    h.close(T0 + 2_000);
    db.close();
    db = open(file);
    h = make(db);
    expect(points(h, 0, T0, T0 + MIN, '1m')).toEqual([{ t: '10:00', min: 5, avg: 5, max: 5, last: 5, count: 1 }]);
    db.close();
  });

  it('does not count a block twice when the journal still held its minutes at a restart', () => {
    const file = join(tempDir('history'), 'gateway.db');
    let db = open(file);
    let h = make(db);
    // Tag 1 reports at 10:00; tag 0's device clock runs 12 minutes ahead of the gateway's, so its
    // first block is stored (10:20 opened the next) while tag 1's, not yet due, holds the journal back.
    h.add(1, T0 + 1_000, 1);
    for (let m = 0; m < 22; m++) h.add(0, T0 + m * MIN, m);
    h.flush(T0 + 10 * MIN);
    expect(count(db, 'history_blocks')).toBe(1);
    expect(count(db, 'history_journal')).toBe(22); // tag 0's 10:00-10:20, tag 1's 10:00
    db.close(); // a crash: tag 0's 10:21 is lost
    db = open(file);
    h = make(db);
    h.flush(T0 + 41 * MIN);
    expect(points(h, 0, T0, T0 + 19 * MIN, '1m').map((p) => p.count)).toEqual(Array(20).fill(1));
    expect(points(h, 0, T0, T0 + 19 * MIN, '1h')).toEqual([{ t: '10:00', min: 0, avg: 10, max: 20, last: 20, count: 21 }]);
    expect(points(h, 1, T0, T0 + 19 * MIN, '1m')).toEqual([{ t: '10:00', min: 1, avg: 1, max: 1, last: 1, count: 1 }]);
    db.close();
  });

  it('stores the journalled minutes of a tag the site no longer has', () => {
    const file = join(tempDir('history'), 'gateway.db');
    let db = open(file);
    let h = make(db, { tagIds: ['a/x', 'gone/y'] });
    h.add(1, T0, 42);
    h.flush(T0 + 2 * MIN);
    expect(count(db, 'history_journal')).toBe(1);
    db.close(); // a crash
    db = open(file);
    h = make(db, { tagIds: ['a/x'] }); // the site dropped the tag meanwhile
    h.flush(T0 + 3 * MIN);
    expect(count(db, 'history_blocks')).toBe(1);
    expect(count(db, 'history_journal')).toBe(0);
    h = make(db, { tagIds: ['a/x', 'gone/y'] }); // the tag is back: its minute is there, once
    expect(points(h, 1, T0, T0 + MIN, '1m', T0 + 3 * MIN)).toEqual([{ t: '10:00', min: 42, avg: 42, max: 42, last: 42, count: 1 }]);
    db.close();
  });

  it('spreads storing the blocks of many tags over ticks, answering them meanwhile', () => {
    const db = open();
    const ids = Array.from({ length: 2_500 }, (_, i) => `a/t${i}`);
    const h = make(db, { tagIds: ids });
    for (let m = 0; m <= 20; m++) for (let t = 0; t < ids.length; t++) h.add(t, T0 + m * MIN, m);
    h.flush(T0 + 21 * MIN); // 10:00-10:19 is over for every tag: 2,500 blocks to store
    const stored = [count(db, 'history_blocks')];
    expect(points(h, 2_499, T0, T0 + 19 * MIN, '1m')).toHaveLength(20); // waiting in memory: still answered
    h.flush(T0 + 21 * MIN + 1_000);
    stored.push(count(db, 'history_blocks'));
    expect(count(db, 'history_journal')).toBe(2_500 * 20); // kept until every block is stored
    h.flush(T0 + 21 * MIN + 2_000);
    stored.push(count(db, 'history_blocks'));
    expect(stored).toEqual([1_000, 2_000, 2_500]);
    expect(count(db, 'history_journal')).toBe(0); // 10:20 is still open
    expect(points(h, 2_499, T0, T0 + 19 * MIN, '1h')).toEqual([{ t: '10:00', min: 0, avg: 10, max: 20, last: 20, count: 21 }]); // with 10:20, open
  });

  it('keeps what it could not write and writes it at the next tick (no loss, no double count)', () => {
    const db = open();
    const errors: unknown[] = [];
    const log: Logger = { ...silentLogger, error: (o) => void errors.push(o), child: () => log };
    const h = make(db, { log });
    db.exec("CREATE TRIGGER full BEFORE INSERT ON history_journal BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    for (let m = 0; m < 25; m++) {
      h.add(0, T0 + m * MIN, 1);
      h.flush(T0 + m * MIN + 1);
    }
    expect(h.stats()).toMatchObject({ writeErrors: 24, lastError: 'database or disk is full' });
    expect(h.stats().pending).toBeGreaterThan(0);
    expect(errors).toHaveLength(1); // logged once per outage
    expect(points(h, 0, T0, T0 + HOUR, '1m')).toHaveLength(25); // still answered from memory
    db.exec('DROP TRIGGER full');
    h.flush(T0 + 25 * MIN);
    expect(h.stats()).toMatchObject({ pending: 0, writeErrors: 24 });
    expect(points(h, 0, T0, T0 + HOUR, '1h')).toEqual([{ t: '10:00', min: 1, avg: 1, max: 1, last: 1, count: 25 }]);
    expect(db.prepare('SELECT sum(count) FROM history_journal').pluck().get()).toBe(4); // 10:20-10:23; 10:24 is open
  });
});
