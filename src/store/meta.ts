import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';

/**
 * The store's own identity: a random id made when the data dir is first used. It goes into every
 * idempotency key, so a gateway restarted on an empty data dir (lost, or replaced without a
 * backup), whose alarm episodes count from 1 again, never reuses an old order's key.
 */
export function installId(db: Db): string {
  db.exec(`CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  const row = db.prepare(`SELECT value FROM store_meta WHERE key = 'install_id'`).get() as { value: string } | undefined;
  if (row) return row.value;
  const id = randomUUID();
  db.prepare(`INSERT INTO store_meta (key, value) VALUES ('install_id', ?)`).run(id);
  return id;
}
