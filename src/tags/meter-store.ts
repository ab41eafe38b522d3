import type { Db } from '../store/db.js';
import type { Baselines } from '../rules/baselines.js';
import type { Meters } from './meters.js';

/** Persists usage meters and their service baselines, so run hours survive restarts. */
export class MeterStore {
  private readonly upsert;
  private readonly upBase;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO meters (asset_id, meter_id, value, running, last_ts, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset_id, meter_id) DO UPDATE SET value = excluded.value, running = excluded.running, last_ts = excluded.last_ts, updated_at = excluded.updated_at`,
    );
    this.upBase = db.prepare(
      `INSERT INTO meter_baselines (instance_key, meter_id, value) VALUES (?, ?, ?) ON CONFLICT (instance_key, meter_id) DO UPDATE SET value = excluded.value`,
    );
  }

  restore(meters: Meters, baselines: Baselines): void {
    const rows = this.db.prepare(`SELECT asset_id, meter_id, value, running, last_ts FROM meters`).all() as { asset_id: string; meter_id: string; value: number; running: number; last_ts: number | null }[];
    const byKey = new Map(rows.map((r) => [`${r.asset_id}/${r.meter_id}`, r]));
    for (const m of meters.all) {
      const r = byKey.get(m.key);
      if (r) meters.restore(m.index, { value: r.value, running: r.running === 1, lastTs: r.last_ts ?? Number.NaN });
    }
    for (const b of this.db.prepare(`SELECT instance_key, meter_id, value FROM meter_baselines`).all() as { instance_key: string; meter_id: string; value: number }[]) {
      baselines.restore(b.instance_key, b.meter_id, b.value);
    }
  }

  saveMeters(meters: Meters, now: number): void {
    if (!meters.dirty) return;
    this.db.transaction(() => {
      for (const m of meters.all) {
        const s = meters.snapshot(m.index);
        this.upsert.run(m.assetId, m.id, s.value, s.running ? 1 : 0, Number.isFinite(s.lastTs) ? s.lastTs : null, now);
      }
    })();
    meters.dirty = false;
  }

  saveBaseline(instanceKey: string, meterId: string, value: number): void {
    this.upBase.run(instanceKey, meterId, value);
  }
}
