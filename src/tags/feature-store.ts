import type { Db } from '../store/db.js';
import { DailyWindow } from './daily.js';
import type { FeatureEntry, Features } from './features.js';
import { Window } from './window.js';

/** Rows of features no rule has read for this long are dropped at a full save. */
const FORGET_AFTER_MS = 30 * 86_400_000;

/**
 * How often a feature is worth writing while it changes (ms), or undefined for never (windows
 * under an hour: they refill about as fast as a gateway restarts). A window at most once a bucket (1/60 of it: a crash loses no more than the window's own resolution);
 * small states once a minute.
 */
function savePeriod(e: FeatureEntry): number | undefined {
  const f = e.feature;
  if (f instanceof Window) return f.persisted ? Math.max(60_000, f.bucketMs) : undefined;
  if (f instanceof DailyWindow) return 600_000;
  return 60_000;
}

/** What changes whenever the feature takes a sample. */
function mark(e: FeatureEntry): number {
  const f = e.feature;
  return f instanceof Window || f instanceof DailyWindow ? f.changeMark() : f.lastTs;
}

/**
 * Persists tag features (window buckets, daily values, EWMA and CUSUM state, learned reporting
 * intervals) in SQLite, so a restart is not a new start: trends keep their history, coverage
 * guards do not start from zero, learned intervals need not be learned again. Saved periodically
 * (what changed, and is due) and in full at shutdown; each feature is restored the first time a
 * rule load asks for it. Time the gateway was down simply counts as time without data.
 */
export class FeatureStore {
  private readonly upsert;
  private readonly one;
  /** Per entry of {@link Features.entries}: its change mark and time when last saved. */
  private readonly savedMark: number[] = [];
  private readonly savedAt: number[] = [];
  /** Entries before this index have been offered their saved state. */
  private offered = 0;

  constructor(
    private readonly db: Db,
    /** The stable key of a tag (`asset/tag`) by index. */
    private readonly tagKey: (tag: number) => string,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO feature_state (tag_key, feature, state, saved_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tag_key, feature) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at`,
    );
    this.one = db.prepare(`SELECT state FROM feature_state WHERE tag_key = ? AND feature = ?`);
  }

  /**
   * Restores the features rules asked for since the last call from their saved state. Returns how
   * many were restored and how many saved states did not fit (another length, a format change).
   */
  restore(features: Features): { restored: number; unfit: number } {
    const entries = features.entries();
    let restored = 0;
    let unfit = 0;
    for (; this.offered < entries.length; this.offered++) {
      const e = entries[this.offered]!;
      this.savedMark.push(Number.NaN); // never saved: the first save writes it
      this.savedAt.push(Number.NEGATIVE_INFINITY);
      if (savePeriod(e) === undefined) continue;
      const row = this.one.get(this.tagKey(e.tag), e.name) as { state: Buffer } | undefined;
      if (!row) continue;
      const b = row.state;
      if (b.byteLength % 8 === 0 && e.feature.restore(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)))) {
        restored++;
        this.savedMark[this.offered] = mark(e);
      } else unfit++;
    }
    return { restored, unfit };
  }

  /**
   * Writes the features that took samples since they were last saved and are due (`all`: every
   * such feature, at shutdown). Returns how many rows it wrote.
   */
  save(features: Features, now: number, all = false): number {
    const entries = features.entries();
    const due: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const period = savePeriod(e);
      if (period === undefined) continue;
      if (i >= this.offered) (this.savedMark[i] = Number.NaN), (this.savedAt[i] = Number.NEGATIVE_INFINITY);
      const m = mark(e);
      if (Object.is(m, this.savedMark[i]) || (!all && now - this.savedAt[i]! < period)) continue;
      due.push(i);
    }
    if (due.length === 0 && !all) return 0;
    this.db.transaction(() => {
      for (const i of due) {
        const e = entries[i]!;
        const x = e.feature.snapshot();
        this.upsert.run(this.tagKey(e.tag), e.name, Buffer.from(x.buffer, x.byteOffset, x.byteLength), now);
        this.savedMark[i] = mark(e);
        this.savedAt[i] = now;
      }
      if (all) this.forget(entries, now);
    })();
    this.offered = Math.max(this.offered, entries.length);
    return due.length;
  }

  /** Drops saved states that no rule has read for {@link FORGET_AFTER_MS} (rules changed since). */
  private forget(entries: readonly FeatureEntry[], now: number): void {
    const used = new Set(entries.map((e) => `${this.tagKey(e.tag)}\n${e.name}`));
    const old = this.db.prepare(`SELECT tag_key, feature FROM feature_state WHERE saved_at < ?`).all(now - FORGET_AFTER_MS) as { tag_key: string; feature: string }[];
    const del = this.db.prepare(`DELETE FROM feature_state WHERE tag_key = ? AND feature = ?`);
    for (const r of old) if (!used.has(`${r.tag_key}\n${r.feature}`)) del.run(r.tag_key, r.feature);
  }
}
