import type { Db } from '../store/db.js';
import type { Meters } from './meters.js';

/** Persists usage meters, so run hours and starts survive restarts. */
export class MeterStore {
  private readonly upsert;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO meters (asset_id, meter_id, value, running, last_ts, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset_id, meter_id) DO UPDATE SET value = excluded.value, running = excluded.running, last_ts = excluded.last_ts, updated_at = excluded.updated_at`,
    );
  }

  restore(meters: Meters): void {
    const rows = this.db.prepare(`SELECT asset_id, meter_id, value, running, last_ts FROM meters`).all() as { asset_id: string; meter_id: string; value: number; running: number; last_ts: number | null }[];
    const byKey = new Map(rows.map((r) => [`${r.asset_id}/${r.meter_id}`, r]));
    for (const m of meters.all) {
      const r = byKey.get(m.key);
      if (r) meters.restore(m.index, { value: r.value, running: r.running === 1, lastTs: r.last_ts ?? Number.NaN });
    }
  }

  /** Writes the meters when they changed since the last save. */
  save(meters: Meters, now: number): void {
    if (!meters.dirty) return;
    this.db.transaction(() => {
      for (const m of meters.all) {
        const s = meters.snapshot(m.index);
        this.upsert.run(m.assetId, m.id, s.value, s.running ? 1 : 0, Number.isFinite(s.lastTs) ? s.lastTs : null, now);
      }
    })();
    meters.dirty = false;
  }
}
