import { z } from 'zod';
import { duration, id } from '../primitives.js';

const prio = z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH']);

/** MaintainX REST API v1 (README: work-order targets). */
export const maintainxTarget = z
  .object({
    id,
    type: z.literal('maintainx'),
    url: z.string().url().default('https://api.getmaintainx.com'),
    /** API key (Settings → Integrations → New Key); sent as `Authorization: Bearer`. */
    apiKey: z.string().min(1),
    /** `x-organization-id`, required only with a multi-organization token. */
    organizationId: z.number().int().optional(),
    /** Our asset id to MaintainX's numeric asset id; unmapped assets are named in the description. */
    assetMap: z.record(z.string(), z.number().int()).default({}),
    locationId: z.number().int().optional(),
    /** Our priority 1..4 to MaintainX's NONE/LOW/MEDIUM/HIGH. */
    priority: z.object({ 1: prio, 2: prio, 3: prio, 4: prio }).strict().default({ 1: 'HIGH', 2: 'HIGH', 3: 'MEDIUM', 4: 'LOW' }),
    /** Categories to set, e.g. `["Condition Based"]` (must exist in MaintainX). */
    categories: z.array(z.string()).default([]),
    /** Pages of `GET /v1/workorders` (newest first) searched for the key before creating. */
    lookupPages: z.number().int().min(0).max(50).default(3),
    timeout: duration.default(15_000),
  })
  .strict();
