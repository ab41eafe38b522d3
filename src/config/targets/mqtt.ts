import { z } from 'zod';
import { duration, id } from '../primitives.js';

/**
 * MQTT publish to a central broker (README: work-order targets). QoS 1, so `send` resolves on
 * PUBACK [MQTT-4.3.2]; the receiver deduplicates by the `idempotencyKey` in the payload.
 */
export const mqttTarget = z
  .object({
    id,
    type: z.literal('mqtt'),
    /** `mqtt://`, `mqtts://` (TLS), `ws://` or `wss://`. */
    url: z.string().url(),
    /** Placeholders: `{site}`, `{asset}`, `{gateway}`, `{type}`, `{priority}`, `{rule}`. */
    topic: z.string().min(1).default('cmms/{site}/{asset}/workorders'),
    retain: z.boolean().default(false),
    username: z.string().optional(),
    password: z.string().optional(),
    clientId: z.string().optional(),
    /** Verify the broker's TLS certificate (mqtts/wss). */
    rejectUnauthorized: z.boolean().default(true),
    /** PEM CA bundle path for a private CA. */
    caFile: z.string().optional(),
    /** How long one publish may wait for its PUBACK. */
    timeout: duration.default(10_000),
    /** How long the first connection attempt may take before `send` reports the broker unavailable. */
    connectTimeout: duration.default(10_000),
  })
  .strict();
