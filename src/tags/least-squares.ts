/** A least-squares line y = intercept + slope·t, with the standard error of the slope. */
export interface Line {
  slope: number;
  slopeSe: number;
  intercept: number;
}

/**
 * What {@link lineFromSums} returns: one object filled by each call and read at once by its caller,
 * so that a read per tick of thousands of trend windows allocates nothing for it.
 */
const LINE: Line = { slope: Number.NaN, slopeSe: Number.NaN, intercept: Number.NaN };

/**
 * The least-squares line through `n` points given their sums (Σt, Σv, Σt², Σt·v, Σv²). NaN slope
 * when the points do not span time; NaN standard error below three points.
 */
export function lineFromSums(n: number, st: number, sv: number, stt: number, stv: number, svv: number): Line {
  const sxx = stt - (st * st) / n;
  if (n < 2 || !(sxx > 1e-12)) {
    LINE.slope = LINE.slopeSe = LINE.intercept = Number.NaN;
    return LINE;
  }
  const slope = (stv - (st * sv) / n) / sxx;
  const a = (sv - slope * st) / n;
  const sse = Math.max(0, svv - a * sv - slope * stv);
  LINE.slope = slope;
  LINE.slopeSe = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN;
  LINE.intercept = a;
  return LINE;
}
