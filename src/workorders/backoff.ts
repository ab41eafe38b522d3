import type { RetryConfig } from '../config/schema.js';

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * `initialDelay × factor^(n-1)`, capped at `maxDelay`. The jitter keeps a fleet of gateways
 * from hammering a CMMS that just came back, in lockstep.
 */
export function backoffDelay(attempt: number, r: RetryConfig, random: () => number = Math.random): number {
  const base = Math.min(r.maxDelay, r.initialDelay * r.factor ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}
