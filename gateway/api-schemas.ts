import { z } from 'zod';

/** `?limit=`: how many items, default 100, capped at 1,000 (a larger value is taken as 1,000). */
export const limit = z.coerce
  .number()
  .int()
  .positive()
  .default(100)
  .transform((n) => Math.min(n, 1000))
  .describe('at most this many (default 100, capped at 1,000)');

/** Every error answer of the API. */
export const apiErrorSchema = z.object({ code: z.string().describe('CBM_ERR_… (docs/errors.md)'), message: z.string() });
