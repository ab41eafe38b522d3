import { DailyWindow } from './daily.js';
import { ReportingInterval } from './interval.js';
import { Window, type Need } from './window.js';

/** Exponentially weighted moving average: s ← α·x + (1−α)·s. */
export class Ewma {
  value = Number.NaN;
  /** Time of the newest sample fed (ms), for persistence. */
  lastTs = Number.NaN;
  constructor(readonly alpha: number) {}
  add(v: number): void {
    this.value = Number.isNaN(this.value) ? v : this.alpha * v + (1 - this.alpha) * this.value;
  }

  snapshot(): Float64Array {
    return Float64Array.of(1, this.value, this.lastTs);
  }

  restore(x: Float64Array): boolean {
    if (x.length !== 3 || x[0] !== 1) return false;
    this.value = x[1]!;
    this.lastTs = x[2]!;
    return true;
  }
}

/**
 * Tabular CUSUM (Page 1954; NIST/SEMATECH e-Handbook §6.3.2.3): accumulates deviations from the
 * target beyond the slack `k`. Upper: S ← max(0, S + x − (μ₀ + k)); lower: S ← max(0, S + (μ₀ − k) − x).
 * A rule compares S with the decision interval h (typically 4–5 σ).
 */
export class Cusum {
  value = 0;
  /** Time of the newest sample fed (ms), for persistence. */
  lastTs = Number.NaN;
  constructor(
    readonly target: number,
    readonly k: number,
    readonly side: 'upper' | 'lower',
  ) {}
  add(v: number): void {
    const d = this.side === 'upper' ? v - (this.target + this.k) : this.target - this.k - v;
    this.value = Math.max(0, this.value + d);
  }

  snapshot(): Float64Array {
    return Float64Array.of(1, this.value, this.lastTs);
  }

  restore(x: Float64Array): boolean {
    if (x.length !== 3 || x[0] !== 1 || !(x[1]! >= 0)) return false;
    this.value = x[1]!;
    this.lastTs = x[2]!;
    return true;
  }
}

interface Updater {
  add(ts: number, v: number): void;
}

/** A feature as persistence sees it: its tag, a name stable across restarts, and the feature. */
export interface FeatureEntry {
  tag: number;
  /** `window:86400000`, `daily:14`, `interval`, `ewma:0.1`, `cusum:80:1:upper`. */
  name: string;
  feature: Window | DailyWindow | ReportingInterval | Ewma | Cusum;
}

/**
 * Per-tag derived state that rules read: windows, EWMA, CUSUM. Rules ask for what they need when
 * they compile (shared when two rules ask for the same thing); each good sample updates only its
 * tag's features. `now` is the evaluation time that window reads use (sample time, or tick time).
 */
export class Features {
  now = 0;
  private readonly byTag: Updater[][];
  /** 1 where a tag has any feature: the common case (none) costs one byte read. */
  private readonly has: Uint8Array;
  private readonly shared = new Map<string, unknown>();
  private readonly list: FeatureEntry[] = [];

  constructor(
    tagCount: number,
    /** The reporting interval the site config gives a tag (ms), NaN where it gives none. */
    private readonly configuredInterval: (tag: number) => number = () => Number.NaN,
  ) {
    this.byTag = Array.from({ length: tagCount }, () => []);
    this.has = new Uint8Array(tagCount);
  }

  private getOrMake<T extends FeatureEntry['feature']>(name: string, tag: number, make: () => T, add: (x: T) => Updater): T {
    const key = `${tag}:${name}`;
    let x = this.shared.get(key) as T | undefined;
    if (!x) {
      x = make();
      this.shared.set(key, x);
      this.byTag[tag]!.push(add(x));
      this.has[tag] = 1;
      this.list.push({ tag, name, feature: x });
    }
    return x;
  }

  /** The window of `tag` over `windowMs`, storing at least what `needs` say (shared per tag and length). */
  window(tag: number, windowMs: number, needs: Need[] = []): Window {
    const w = this.getOrMake(`window:${windowMs}`, tag, () => new Window(windowMs, needs), (x) => x);
    w.ensure(needs);
    if (needs.includes('coverage')) w.spacing ??= this.interval(tag);
    return w;
  }

  /** Daily means, maxima and minima of `tag` over the last `days` complete days (shared per tag and length). */
  daily(tag: number, days: number): DailyWindow {
    const w = this.getOrMake(`daily:${days}`, tag, () => new DailyWindow(days), (x) => x);
    w.spacing = this.interval(tag);
    return w;
  }

  /** The reporting interval of `tag`: configured, else learned from its sample spacing. */
  interval(tag: number): ReportingInterval {
    return this.getOrMake('interval', tag, () => new ReportingInterval(this.configuredInterval(tag)), (r) => ({ add: (t) => r.add(t) }));
  }

  ewma(tag: number, alpha: number): Ewma {
    return this.getOrMake(`ewma:${alpha}`, tag, () => new Ewma(alpha), (e) => ({ add: (t, v) => (e.add(v), (e.lastTs = t)) }));
  }

  cusum(tag: number, target: number, k: number, side: 'upper' | 'lower'): Cusum {
    return this.getOrMake(`cusum:${target}:${k}:${side}`, tag, () => new Cusum(target, k, side), (c) => ({ add: (t, v) => (c.add(v), (c.lastTs = t)) }));
  }

  /** Every feature, in the order rules asked for them. */
  entries(): readonly FeatureEntry[] {
    return this.list;
  }

  /** Feeds one good sample to its tag's features. */
  update(tag: number, ts: number, v: number): void {
    if (this.has[tag] !== 1) return;
    const us = this.byTag[tag]!;
    for (let i = 0; i < us.length; i++) us[i]!.add(ts, v);
  }

  /**
   * Counts one Bad sample in its tag's windows (their statistics' data-quality gate). The Bad
   * branch of ingest calls it; nothing else about the sample reaches a feature.
   */
  bad(tag: number, ts: number): void {
    if (this.has[tag] !== 1) return;
    const us = this.byTag[tag]!;
    for (let i = 0; i < us.length; i++) {
      const u = us[i];
      if (u instanceof Window) u.addBad(ts);
    }
  }

  get size(): number {
    return this.shared.size;
  }
}
