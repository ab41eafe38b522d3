/**
 * Work-order priority as maintenance planners use it: 1 critical (production stopped or a safety
 * risk), 2 high, 3 medium, 4 low (cosmetic, next convenient stop). Lower is more urgent.
 */
export type Priority = 1 | 2 | 3 | 4;
