import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emittedFramed, recorder, RUNS, stream } from './mqtt-fuzz-streams.js';

/**
 * Fuzz: the PUBLISH fast path against mqtt-packet, on random and mutated byte streams cut into
 * random reads. Every packet mqtt-packet accepts decodes the same; every stream it refuses is
 * refused the same way (same error, at the same place in what was emitted), and nothing is read
 * after it (the broker closes the connection on that error). `CBM_FUZZ_RUNS=<n>` runs more.
 */

/** What a parser emits for `stream` read in pieces ending at `cuts`, up to and with its first error (the connection is then closed). */
function emitted(stream: Buffer, cuts: number[], fast: boolean, maxPacketSize?: number): string[] {
  const r = recorder(fast, maxPacketSize);
  let at = 0;
  for (const c of [...cuts.map((x) => x % (stream.length + 1)).sort((a, b) => a - b), stream.length]) {
    if (r.failed()) break;
    if (c > at) r.p.parse(stream.subarray(at, c));
    at = Math.max(at, c);
  }
  return r.out;
}

describe('PUBLISH fast path fuzzed against mqtt-packet', () => {
  it(`decodes and refuses exactly as mqtt-packet does (${RUNS} cases)`, () => {
    let refused = 0;
    let publishes = 0;
    let borrowed = 0;
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (s, cuts) => {
        const want = emittedFramed(s);
        expect(emitted(s, cuts, true)).toEqual(want);
        // Where mqtt-packet on the whole stream differs, it read across a packet's end.
        if (JSON.stringify(emitted(s, cuts, false)) !== JSON.stringify(want)) borrowed++;
        if (want.at(-1)?.startsWith('error:')) refused++;
        publishes += want.filter((l) => l.includes('"cmd":"publish"')).length;
      }),
      { numRuns: RUNS },
    );
    process.stdout.write(`fuzz: ${RUNS} streams against mqtt-packet, ${refused} refused, ${publishes} publishes decoded; ${borrowed} where mqtt-packet alone read a malformed packet's fields from the next\n`);
    expect(refused).toBeGreaterThan(RUNS / 10);
    expect(publishes).toBeGreaterThan(RUNS);
    expect(borrowed).toBeLessThan(RUNS / 10);
  });

  it(`refuses packets over a maximum size at the same place (${Math.ceil(RUNS / 3)} cases)`, () => {
    let oversized = 0;
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 8, max: 400 }), (s, cuts, max) => {
        const want = emittedFramed(s, max);
        expect(emitted(s, cuts, true, max)).toEqual(want);
        if (want.at(-1)?.includes('exceeds the maximum packet size')) oversized++;
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    process.stdout.write(`fuzz: ${Math.ceil(RUNS / 3)} streams with a maximum packet size, ${oversized} refused for size\n`);
    expect(oversized).toBeGreaterThan(RUNS / 30);
  });
});
