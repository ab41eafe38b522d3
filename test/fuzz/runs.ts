/**
 * Cases per fuzz property: a few thousand in every CI run; `CBM_FUZZ_RUNS=<n>` for a longer run
 * (`npm run test:fuzz:long`, nightly-style). The same variable sets the MQTT fast path's fuzzing.
 */
export const RUNS = Math.max(1, Number(process.env.CBM_FUZZ_RUNS ?? 3000));

/** Prints a fuzz suite's counts, so the CI log shows how much was tried. */
export function report(what: string, counts: Record<string, number>): void {
  process.stdout.write(`fuzz: ${what}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
}

/** Collects unhandled rejections while a fuzz property runs: there must be none. */
export function watchRejections(): { stop: () => unknown[] } {
  const seen: unknown[] = [];
  const on = (r: unknown) => seen.push(r);
  process.on('unhandledRejection', on);
  return {
    stop: () => {
      process.off('unhandledRejection', on);
      return seen;
    },
  };
}
