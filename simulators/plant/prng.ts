/**
 * Deterministic randomness for the plant. Two kinds:
 * - {@link rng}: a sequential generator (mulberry32) for code that draws in a fixed order;
 * - counter-based draws ({@link uniformAt}, {@link normalAt}, {@link smoothAt}): a pure function of
 *   (seed, stream, counter), so a signal's noise at a time is the same whoever asks and in which
 *   order: the MQTT publisher, the Modbus image and the OPC UA server serve one plant, and a
 *   recording replays the values the live run saw.
 */

/** Small deterministic noise (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A stream id from a name (FNV-1a), e.g. `p-101/vibration`. */
export function streamOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Uniform in [0, 1) for (seed, stream, n); `n` may be any integer up to 2^53. */
export function uniformAt(seed: number, stream: number, n: number): number {
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  const h = fmix(fmix(fmix(seed ^ 0x9e3779b9) ^ stream) ^ lo) ^ Math.imul(hi, 0x27d4eb2f);
  return fmix(h) / 4294967296;
}

/** Standard normal for (seed, stream, n) (Box-Muller on two counter draws). */
export function normalAt(seed: number, stream: number, n: number): number {
  const u1 = uniformAt(seed, stream, 2 * n) || 1e-12;
  const u2 = uniformAt(seed, stream ^ 0x5bd1e995, 2 * n + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Smooth random variation in [-1, 1] over time `t` (ms) with features about `periodMs` long:
 * value noise on a grid, cosine-interpolated. For slow load and process fluctuations.
 */
export function smoothAt(seed: number, stream: number, t: number, periodMs: number): number {
  const x = t / periodMs;
  const i = Math.floor(x);
  const f = x - i;
  const a = uniformAt(seed, stream, i) * 2 - 1;
  const b = uniformAt(seed, stream, i + 1) * 2 - 1;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a + (b - a) * w;
}
