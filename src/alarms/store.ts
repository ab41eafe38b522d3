import type { Db } from '../store/db.js';
import { initialAlarmState, stateName, type AlarmState } from './lifecycle.js';

export interface AlarmEvent {
  rule_id: string;
  asset_id: string;
  episode: number;
  change: string;
  priority: number;
  ts: number;
}

/** NaN does not survive JSON; store it as null and read it back. */
function toJson(s: AlarmState): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v));
}

function fromJson(text: string): AlarmState {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const s = initialAlarmState() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) if (k in s) s[k] = v === null && typeof s[k] === 'number' ? Number.NaN : v;
  return s as unknown as AlarmState;
}

/** Alarm state and its history in SQLite, so a restart neither forgets nor repeats an alarm. */
export class AlarmStore {
  private readonly upsert;
  private readonly event;
  private readonly all;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO alarms (rule_id, asset_id, state, episode, since, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_id, asset_id) DO UPDATE SET state = excluded.state, episode = excluded.episode, since = excluded.since, updated_at = excluded.updated_at, data = excluded.data`,
    );
    this.event = db.prepare(`INSERT INTO alarm_events (rule_id, asset_id, episode, change, priority, ts) VALUES (?, ?, ?, ?, ?, ?)`);
    this.all = db.prepare(`SELECT rule_id, asset_id, state, episode, since, data FROM alarms`);
  }

  /** Records a change; call inside the transaction that also enqueues its work order. */
  save(ruleId: string, assetId: string, s: AlarmState, change: string, priority: number, ts: number, now: number): void {
    this.upsert.run(ruleId, assetId, stateName(s), s.episode, Number.isFinite(s.since) ? s.since : null, now, toJson(s));
    this.event.run(ruleId, assetId, s.episode, change, priority, ts);
  }

  loadAll(): { key: string; state: AlarmState }[] {
    const rows = this.all.all() as { rule_id: string; asset_id: string; state: string; episode: number; since: number | null; data: string | null }[];
    return rows.map((r) => {
      let s: AlarmState;
      if (r.data) s = fromJson(r.data);
      else {
        // Rows from before the full state was stored.
        s = initialAlarmState();
        s.active = r.state === 'active';
        s.episode = r.episode;
        s.episodeOrdered = true;
        s.since = r.since ?? Number.NaN;
      }
      return { key: `${r.rule_id}@${r.asset_id}`, state: s };
    });
  }

  events(assetId: string | undefined, limit: number): AlarmEvent[] {
    const sql = `SELECT rule_id, asset_id, episode, change, priority, ts FROM alarm_events ${assetId ? 'WHERE asset_id = ?' : ''} ORDER BY id DESC LIMIT ?`;
    const stmt = this.db.prepare(sql);
    return (assetId ? stmt.all(assetId, limit) : stmt.all(limit)) as AlarmEvent[];
  }
}
