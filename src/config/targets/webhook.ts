import { z } from 'zod';
import { duration, id } from '../primitives.js';

/** Generic webhook: POST JSON with Idempotency-Key and an optional HMAC signature (README: webhook contract). */
export const webhookTarget = z
  .object({
    id,
    type: z.literal('webhook'),
    url: z.string().url(),
    /** HMAC-SHA256 key for `X-CBM-Signature`; omit to send unsigned. */
    secret: z.string().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    timeout: duration.default(10_000),
  })
  .strict();
