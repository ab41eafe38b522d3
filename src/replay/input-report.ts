import type { BadValue } from '../rules/samples-file.js';
import type { Catalog } from '../tags/catalog.js';
import type { UnknownSeries } from './backtest.js';

const num = (x: number) => x.toLocaleString('en-US');
const samples = (n: number) => `${num(n)} sample${n === 1 ? '' : 's'}`;

/** The known name that differs only in case or in `-`/`_` (`P-101` for `p-101`), if any. */
function near(name: string, known: Iterable<string>): string {
  const norm = (s: string) => s.toLowerCase().replace(/[-_.]/g, '');
  for (const k of known) if (norm(k) === norm(name)) return ` (did you mean "${k}"?)`;
  return '';
}

function list(xs: readonly string[], max = 12): string {
  return xs.length === 0 ? 'none' : xs.length > max ? `${xs.slice(0, max).join(', ')}, … (${xs.length} in all)` : xs.join(', ');
}

/** Counts of samples whose asset or tag the site lacks, one line each, with what the site has. */
export function describeUnknown(u: UnknownSeries, catalog: Catalog): string[] {
  const out: string[] = [];
  for (const a of u.assets) out.push(`asset "${a.asset}": ${samples(a.samples)}; the site has no such asset${near(a.asset, catalog.assets.keys())} (its assets: ${list([...catalog.assets.keys()])})`);
  for (const t of u.tags) {
    const asset = catalog.asset(t.asset)!;
    out.push(
      t.meter
        ? `${t.asset}/${t.tag}: ${samples(t.samples)}; "${t.tag}" is a meter the gateway computes from its tag, not a tag: leave it out of the samples`
        : `${t.asset}/${t.tag}: ${samples(t.samples)}; asset "${t.asset}" has no tag "${t.tag}"${near(t.tag, asset.tags.map((x) => x.id))} (its tags: ${list(asset.tags.map((x) => x.id))})`,
    );
  }
  return out;
}

export function unknownCount(u: UnknownSeries): number {
  return u.assets.reduce((n, a) => n + a.samples, 0) + u.tags.reduce((n, t) => n + t.samples, 0);
}

/**
 * Values that are not numbers, one line each (`file:line: asset/tag: read "…": expected …`), at
 * most `max`, then how many more (`count`: all of them).
 */
export function describeBadValues(file: string, bad: readonly BadValue[], count = bad.length, max = 20): string[] {
  const out = bad.slice(0, max).map((v) => `${file}:${v.line}: ${v.asset}/${v.tag}: read ${JSON.stringify(v.text)}: ${v.expected}`);
  if (count > out.length) out.push(`… and ${num(count - out.length)} more lines (${num(count)} in all)`);
  return out;
}
