import { Window, type Need } from './window.js';

/** Exponentially weighted moving average: s ← α·x + (1−α)·s. */
export class Ewma {
  value = Number.NaN;
  constructor(readonly alpha: number) {}
  add(v: number): void {
    this.value = Number.isNaN(this.value) ? v : this.alpha * v + (1 - this.alpha) * this.value;
  }
}

/**
 * Tabular CUSUM (Page 1954; NIST/SEMATECH e-Handbook §6.3.2.3): accumulates deviations from the
 * target beyond the slack `k`. Upper: S ← max(0, S + x − (μ₀ + k)); lower: S ← max(0, S + (μ₀ − k) − x).
 * A rule compares S with the decision interval h (typically 4–5 σ).
 */
export class Cusum {
  value = 0;
  constructor(
    readonly target: number,
    readonly k: number,
    readonly side: 'upper' | 'lower',
  ) {}
  add(v: number): void {
    const d = this.side === 'upper' ? v - (this.target + this.k) : this.target - this.k - v;
    this.value = Math.max(0, this.value + d);
  }
}

interface Updater {
  add(ts: number, v: number): void;
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

  constructor(tagCount: number) {
    this.byTag = Array.from({ length: tagCount }, () => []);
    this.has = new Uint8Array(tagCount);
  }

  private getOrMake<T extends object>(key: string, tag: number, make: () => T, add: (x: T) => Updater): T {
    let x = this.shared.get(key) as T | undefined;
    if (!x) {
      x = make();
      this.shared.set(key, x);
      this.byTag[tag]!.push(add(x));
      this.has[tag] = 1;
    }
    return x;
  }

  /** The window of `tag` over `windowMs`, storing at least what `needs` say (shared per tag and length). */
  window(tag: number, windowMs: number, needs: Need[] = []): Window {
    const w = this.getOrMake(`w:${tag}:${windowMs}`, tag, () => new Window(windowMs, needs), (x) => x);
    w.ensure(needs);
    return w;
  }

  ewma(tag: number, alpha: number): Ewma {
    return this.getOrMake(`e:${tag}:${alpha}`, tag, () => new Ewma(alpha), (e) => ({ add: (_t, v) => e.add(v) }));
  }

  cusum(tag: number, target: number, k: number, side: 'upper' | 'lower'): Cusum {
    return this.getOrMake(`c:${tag}:${target}:${k}:${side}`, tag, () => new Cusum(target, k, side), (c) => ({ add: (_t, v) => c.add(v) }));
  }

  /** Feeds one good sample to its tag's features. */
  update(tag: number, ts: number, v: number): void {
    if (this.has[tag] !== 1) return;
    const us = this.byTag[tag]!;
    for (let i = 0; i < us.length; i++) us[i]!.add(ts, v);
  }

  get size(): number {
    return this.shared.size;
  }
}
