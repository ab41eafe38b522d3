import { z } from 'zod';
import { duration, id } from '../primitives.js';

const prio = z.number().int().min(0).max(999);

/** IBM Maximo via the REST/OSLC API, object structure `mxapiwodetail` (README: work-order targets). */
export const maximoTarget = z
  .object({
    id,
    type: z.literal('maximo'),
    /** Server root, e.g. `https://maximo.example.com` (the target appends `/maximo/api/os/mxapiwodetail`). */
    url: z.string().url(),
    /** Path from the root to the object structure, for installs with another context root. */
    path: z.string().default('/maximo/api/os/mxapiwodetail'),
    /** Maximo API key (Administration → API Keys); sent as the `apikey` header. */
    apiKey: z.string().min(1),
    siteid: z.string().min(1),
    orgid: z.string().optional(),
    /** WORKORDER attribute holding the gateway's idempotency key; must be queryable with `oslc.where`. */
    keyAttribute: z.string().regex(/^[a-z][a-z0-9_.]*$/).default('externalrefid'),
    /** Which asset field becomes `assetnum`; `assetMap` overrides per asset id. */
    assetnum: z.enum(['serialNumber', 'id', 'none']).default('serialNumber'),
    assetMap: z.record(z.string(), z.string()).default({}),
    /** Our priority 1..4 to `wopriority`. */
    priority: z.object({ 1: prio, 2: prio, 3: prio, 4: prio }).strict().default({ 1: 1, 2: 2, 3: 3, 4: 4 }),
    /** Our type to `worktype` (Maximo ships CM, PM, EM; PdM has no default value). */
    worktype: z.object({ CM: z.string(), PM: z.string(), PdM: z.string() }).strict().default({ CM: 'CM', PM: 'PM', PdM: 'CM' }),
    /** Work log type of the notes an order update appends (Maximo's LOGTYPE domain, e.g. CLIENTNOTE, WORK). */
    worklogType: z.string().min(1).max(16).default('CLIENTNOTE'),
    timeout: duration.default(15_000),
  })
  .strict();
