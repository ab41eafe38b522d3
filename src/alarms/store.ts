import type { Db } from '../store/db.js';
import type { AlarmState } from './lifecycle.js';

export interface AlarmRow {
  rule_id: string;
  asset_id: string;
  state: 'normal' | 'active';
  episode: number;
  since: number | null;
}

/** Alarm state and its history in SQLite, so a restart neither forgets nor repeats an alarm. */
export class AlarmStore {
  private readonly upsert;
  private readonly event;
  private readonly all;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO alarms (rule_id, asset_id, state, episode, since, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_id, asset_id) DO UPDATE SET state = excluded.state, episode = excluded.episode, since = excluded.since, updated_at = excluded.updated_at`,
    );
    this.event = db.prepare(`INSERT INTO alarm_events (rule_id, asset_id, episode, change, priority, ts) VALUES (?, ?, ?, ?, ?, ?)`);
    this.all = db.prepare(`SELECT rule_id, asset_id, state, episode, since FROM alarms`);
  }

  /** Records a state change; call inside the transaction that also enqueues its work order. */
  save(ruleId: string, assetId: string, s: AlarmState, change: string, priority: number, now: number): void {
    const since = Number.isFinite(s.since) ? s.since : null;
    this.upsert.run(ruleId, assetId, s.state, s.episode, since, now);
    this.event.run(ruleId, assetId, s.episode, change, priority, Number.isFinite(s.since) ? s.since : now);
  }

  loadAll(): AlarmRow[] {
    return this.all.all() as AlarmRow[];
  }

  events(assetId: string | undefined, limit: number): { rule_id: string; asset_id: string; episode: number; change: string; priority: number; ts: number }[] {
    const sql = `SELECT rule_id, asset_id, episode, change, priority, ts FROM alarm_events ${assetId ? 'WHERE asset_id = ?' : ''} ORDER BY id DESC LIMIT ?`;
    const stmt = this.db.prepare(sql);
    return (assetId ? stmt.all(assetId, limit) : stmt.all(limit)) as never;
  }
}
