import { z } from 'zod';
import { duration, id } from '../primitives.js';

const prio = z.string().min(1).max(1);

/**
 * SAP S/4HANA maintenance notification, OData v2 service `API_MAINTNOTIFICATION`
 * (README: work-order targets). Basic auth, CSRF token, the key in `MaintNotifExtReferenceNumber`.
 */
export const sapTarget = z
  .object({
    id,
    type: z.literal('sap'),
    /** Server root, e.g. `https://s4.example.com:44300`. */
    url: z.string().url(),
    /** Service root below `url`. */
    servicePath: z.string().default('/sap/opu/odata/sap/API_MAINTNOTIFICATION'),
    /** SAP client (`sap-client` query parameter); omit for the system default. */
    client: z.string().regex(/^\d{3}$/).optional(),
    username: z.string().min(1),
    password: z.string().min(1),
    /** Notification type, e.g. `M1` (maintenance request) or `M2` (malfunction report). */
    notificationType: z.string().min(1).max(2).default('M1'),
    /** Which asset field becomes `TechnicalObject`; `assetMap` overrides per asset id. */
    technicalObject: z.enum(['serialNumber', 'id', 'none']).default('id'),
    /** `EAMS_EQUI` (equipment) or `EAMS_FL` (functional location). */
    technicalObjectType: z.enum(['EAMS_EQUI', 'EAMS_FL']).default('EAMS_EQUI'),
    assetMap: z.record(z.string(), z.string()).default({}),
    maintenancePlanningPlant: z.string().max(4).optional(),
    /** Our priority 1..4 to `MaintPriority` (standard PM priority type: 1 very high … 4 low). */
    priority: z.object({ 1: prio, 2: prio, 3: prio, 4: prio }).strict().default({ 1: '1', 2: '2', 3: '3', 4: '4' }),
    timeout: duration.default(15_000),
  })
  .strict();
