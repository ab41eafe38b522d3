import type { Quality, SampleValue } from '../core/sample.js';

const Q: Quality[] = ['Good', 'Uncertain', 'Bad'];
const QI: Record<Quality, number> = { Good: 0, Uncertain: 1, Bad: 2 };

export interface LatestValue {
  value: SampleValue;
  ts: number;
  quality: Quality;
  reason: string | undefined;
}

/**
 * The latest sample of every tag, in flat typed arrays indexed by tag index so an update costs
 * a few stores and no allocation. `num` holds the numeric view the rules read (last non-Bad); `lastGoodTs`
 * feeds stale-sensor detection.
 */
export class LatestValues {
  readonly num: Float64Array;
  readonly ts: Float64Array;
  readonly lastGoodTs: Float64Array;
  readonly quality: Uint8Array;
  /**
   * The raw value when it is a number (`isNum` 1): a double kept in a JS array would be a heap
   * object allocated on every update and held by a long-lived array, work for every scavenge.
   */
  private readonly rawNum: Float64Array;
  private readonly isNum: Uint8Array;
  /** The raw value when it is not a number (boolean, string); undefined before the first sample. */
  private readonly raw: (SampleValue | undefined)[];
  private readonly reasons: (string | undefined)[];

  constructor(readonly size: number) {
    this.num = new Float64Array(size).fill(Number.NaN);
    this.ts = new Float64Array(size).fill(Number.NaN);
    this.lastGoodTs = new Float64Array(size).fill(Number.NaN);
    this.quality = new Uint8Array(size).fill(2);
    this.rawNum = new Float64Array(size);
    this.isNum = new Uint8Array(size);
    this.raw = new Array<SampleValue | undefined>(size);
    this.reasons = new Array<string | undefined>(size);
  }

  set(index: number, value: SampleValue, num: number, ts: number, quality: Quality, reason: string | undefined): void {
    if (typeof value === 'number') {
      this.rawNum[index] = value;
      if (this.isNum[index] !== 1) (this.isNum[index] = 1), (this.raw[index] = undefined);
    } else {
      this.raw[index] = value;
      this.isNum[index] = 0;
    }
    this.ts[index] = ts;
    this.quality[index] = QI[quality];
    this.reasons[index] = reason;
    // A Bad sample is shown but never read by the rules: they keep the last usable value. A value
    // without a numeric view (a word on a text tag) is a sign of life but no number to compare.
    if (quality !== 'Bad') {
      if (num === num) this.num[index] = num;
      this.lastGoodTs[index] = ts;
    }
  }

  get(index: number): LatestValue | undefined {
    const value = this.isNum[index] === 1 ? this.rawNum[index]! : this.raw[index];
    if (value === undefined) return undefined;
    return { value, ts: this.ts[index]!, quality: Q[this.quality[index]!]!, reason: this.reasons[index] };
  }
}
