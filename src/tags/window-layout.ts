/**
 * How a {@link Window} lays out one time bucket in its Float64Array: only the fields its readers
 * need, side by side (an average: 3 numbers a bucket, in one cache line).
 */
export type Need = 'moments' | 'regression' | 'extremes' | 'endpoints' | 'coverage';

/** Field offsets inside a bucket; -1 when the window does not keep that statistic. */
export interface Layout {
  stride: number;
  sq: number;
  t: number;
  tt: number;
  tv: number;
  mn: number;
  mx: number;
  ft: number;
  fv: number;
  lt: number;
  lv: number;
  /** Time covered by data in the bucket (ms): spacings up to the gap tolerance. */
  cv: number;
}
export const NUM = 0; // absolute bucket number (start = num × bucketMs), NaN when empty
export const CNT = 1;
export const SUM = 2;

const NEED_BIT: Record<Need, number> = { moments: 1, regression: 2, extremes: 4, endpoints: 8, coverage: 16 };
/** Every combination of needs: masks below this. */
export const MASKS = 32;

export function needMask(needs: Iterable<Need>): number {
  let m = 0;
  for (const n of needs) m |= NEED_BIT[n];
  return m;
}

function makeLayout(mask: number): Layout {
  let next = 3;
  const take = (k: number) => ((next += k), next - k);
  const l: Layout = { stride: 0, sq: -1, t: -1, tt: -1, tv: -1, mn: -1, mx: -1, ft: -1, fv: -1, lt: -1, lv: -1, cv: -1 };
  if (mask & (NEED_BIT.moments | NEED_BIT.regression)) l.sq = take(1);
  if (mask & NEED_BIT.regression) (l.t = take(1)), (l.tt = take(1)), (l.tv = take(1));
  if (mask & NEED_BIT.extremes) (l.mn = take(1)), (l.mx = take(1));
  if (mask & NEED_BIT.endpoints) (l.ft = take(1)), (l.fv = take(1)), (l.lt = take(1)), (l.lv = take(1));
  if (mask & NEED_BIT.coverage) l.cv = take(1);
  l.stride = next;
  return l;
}

/** One layout per combination of needs, shared by every window with that combination. */
const LAYOUTS: Layout[] = [];
export function layout(mask: number): Layout {
  return (LAYOUTS[mask] ??= makeLayout(mask));
}
