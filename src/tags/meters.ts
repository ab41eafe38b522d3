import type { MeterInfo } from '../core/asset.js';

export interface MeterSnapshot {
  value: number;
  running: boolean;
  lastTs: number;
}

/**
 * Usage meters (run hours, starts) driven by a run-status or current tag. Run time accrues
 * between consecutive samples while the previous one said "running", except across gaps longer
 * than `maxGap` (an outage is not run time). Values are plain numbers indexed like the catalog's
 * meters, so rules read them as cheaply as tags.
 */
export class Meters {
  readonly value: Float64Array;
  private readonly running: Uint8Array;
  private readonly lastTs: Float64Array;
  private readonly byTag: MeterInfo[][];
  private readonly has: Uint8Array;
  dirty = false;

  constructor(
    private readonly meters: readonly MeterInfo[],
    tagCount: number,
  ) {
    this.value = new Float64Array(meters.length);
    this.running = new Uint8Array(meters.length);
    this.lastTs = new Float64Array(meters.length).fill(Number.NaN);
    this.byTag = Array.from({ length: tagCount }, () => []);
    this.has = new Uint8Array(tagCount);
    for (const m of meters) {
      this.byTag[m.tagIndex]!.push(m);
      this.has[m.tagIndex] = 1;
    }
  }

  /**
   * Feeds a good sample of a tag; updates the meters it drives. Only the test is inlined into the
   * pipeline's loop (most tags drive no meter): the work is in {@link feed}, which keeps the
   * pipeline's inlining budget for what every sample does.
   */
  update(tag: number, ts: number, v: number): void {
    if (this.has[tag] === 1) this.feed(tag, ts, v);
  }

  private feed(tag: number, ts: number, v: number): void {
    const ms = this.byTag[tag]!;
    for (const m of ms) {
      const i = m.index;
      const on = m.above === undefined ? v !== 0 && !Number.isNaN(v) : v > m.above;
      const prevTs = this.lastTs[i]!;
      const wasOn = this.running[i] === 1;
      if (m.type === 'runHours') {
        const dt = ts - prevTs;
        if (wasOn && dt > 0 && dt <= m.maxGap) this.value[i]! += dt / 3_600_000;
      } else if (on && !wasOn && !Number.isNaN(prevTs)) {
        this.value[i]!++;
      }
      this.running[i] = on ? 1 : 0;
      if (!(ts < prevTs)) this.lastTs[i] = ts;
      this.dirty = true;
    }
  }

  snapshot(index: number): MeterSnapshot {
    return { value: this.value[index]!, running: this.running[index] === 1, lastTs: this.lastTs[index]! };
  }

  restore(index: number, s: MeterSnapshot): void {
    this.value[index] = s.value;
    this.running[index] = s.running ? 1 : 0;
    this.lastTs[index] = s.lastTs;
  }

  get all(): readonly MeterInfo[] {
    return this.meters;
  }
}
