import type { Db } from '../store/db.js';
import type { Baselines } from './baselines.js';

/** Persists the "since service" meter baselines of rule instances, so a restart keeps counting from the last service. */
export class BaselineStore {
  private readonly upsert;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO meter_baselines (instance_key, meter_id, value) VALUES (?, ?, ?) ON CONFLICT (instance_key, meter_id) DO UPDATE SET value = excluded.value`,
    );
  }

  restore(baselines: Baselines): void {
    for (const b of this.db.prepare(`SELECT instance_key, meter_id, value FROM meter_baselines`).all() as { instance_key: string; meter_id: string; value: number }[]) {
      baselines.restore(b.instance_key, b.meter_id, b.value);
    }
  }

  save(instanceKey: string, meterId: string, value: number): void {
    this.upsert.run(instanceKey, meterId, value);
  }
}
