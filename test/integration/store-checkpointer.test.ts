import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { WalCheckpointer } from '../../src/store/checkpointer.js';
import { openStore, type Db } from '../../src/store/db.js';
import { tempDir, waitFor } from '../helpers/servers.js';

/** WAL frames and frames copied into the database file, as a PASSIVE checkpoint by another connection reports them. */
function wal(file: string): { log: number; copied: number } {
  const other = new Database(file);
  try {
    const r = (other.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[])[0]!;
    return { log: r.log, copied: r.checkpointed };
  } finally {
    other.close();
  }
}

/** Commits `n` transactions of one 3 kB row each (about one WAL page per commit). */
function write(db: Db, n: number): void {
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  const tx = db.transaction((v: string) => ins.run(v));
  for (let i = 0; i < n; i++) tx(`${i}:${'x'.repeat(3000)}`);
}

describe('WAL checkpoints off the event loop', () => {
  const open: { db: Db; cp: WalCheckpointer }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.cp.stop();
      if (o.db.open) o.db.close();
    }
  });
  function store(everyMs: number, log: Logger = silentLogger) {
    const file = join(tempDir('checkpoint'), 'gateway.db');
    const db = openStore(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const cp = new WalCheckpointer(db, log, everyMs);
    open.push({ db, cp });
    return { file, db, cp };
  }

  it('keeps checkpoints out of commits, and copies the WAL from the worker', async () => {
    // A worker that has not run yet: 1,500 commits (past SQLite's 1,000-page auto-checkpoint) copy nothing.
    const idle = store(3_600_000);
    idle.cp.start();
    expect(idle.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    write(idle.db, 1500);
    const before = wal(idle.file);
    expect(before.log).toBeGreaterThan(1000);
    // (The probe above is itself a checkpoint: read what it found before it ran.)
    expect(idle.cp.stats.checkpoints).toBe(0);

    // Without the checkpointer, SQLite's default checkpoints inside a commit: the WAL never passes ~1,000 pages.
    const plain = store(3_600_000);
    write(plain.db, 1500);
    expect(wal(plain.file).log).toBeLessThan(1100);

    // A worker every 50 ms copies what the commits wrote while they go on.
    const busy = store(50);
    busy.cp.start();
    write(busy.db, 300);
    await waitFor('a checkpoint', () => busy.cp.stats.checkpoints > 0);
    write(busy.db, 300);
    await busy.cp.stop();
    const after = wal(busy.file);
    expect(after.copied).toBe(after.log);
    expect(busy.cp.stats.failures).toBe(0);
    expect(busy.cp.stats.maxMs).toBeGreaterThan(0);
    // Everything committed is in the store for the next reader.
    busy.db.close();
    const reader = new Database(busy.file, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 600 });
    reader.close();
  });

  it('gives checkpoints back to the commits if the worker stops, and says so', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') };
    const s = store(3_600_000, log);
    s.cp.start();
    // The worker dies without being asked to stop (a crash in it, say).
    await (s.cp as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await waitFor('autocheckpoint restored', () => s.db.pragma('wal_autocheckpoint', { simple: true }) === 1000);
    expect(warnings).toEqual(['WAL checkpoint worker stopped; the store checkpoints in its commits again']);
    write(s.db, 1500);
    expect(wal(s.file).log).toBeLessThan(1100);
  });

  it('leaves an in-memory store alone', async () => {
    const db = openStore(':memory:');
    const cp = new WalCheckpointer(db, silentLogger, 10);
    cp.start();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await cp.stop();
    db.close();
  });
});
