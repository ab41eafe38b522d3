import { z } from 'zod';
import { sparkplugId } from '../fleet.js';
import { duration, id } from '../primitives.js';

/**
 * Sparkplug B source: the gateway as a Sparkplug host application that reads other edge nodes'
 * births and data (docs/sparkplug.md). Each entry of `devices` maps one edge node's device (or the
 * node's own metrics) to an asset, and metric names to its tags; aliases are learnt from the births.
 */
const deviceMap = z
  .object({
    /** Sparkplug group id; default: any group. */
    group: sparkplugId.optional(),
    /** Edge node id. */
    node: sparkplugId,
    /** Device id; absent: the edge node's own metrics (NBIRTH/NDATA). */
    device: sparkplugId.optional(),
    /** Asset the metrics belong to; default: the device id (or the node id). */
    asset: id.optional(),
    /** Metric name (as in the BIRTH, folders and all) → tag id. Unlisted metrics map to the tag of the same name. */
    metrics: z.record(z.string(), id).default({}),
  })
  .strict();

export const sparkplugSource = z
  .object({
    id,
    type: z.literal('sparkplug'),
    enabled: z.boolean().default(true),
    /** The broker the edge nodes publish to: a plant broker, or the embedded one (`mqtt://127.0.0.1:1883`). */
    url: z.string().url(),
    username: z.string().optional(),
    password: z.string().optional(),
    clientId: z.string().optional(),
    reconnectPeriod: duration.default(2000),
    /** At most one rebirth request (NCMD `Node Control/Rebirth`) per edge node this often. */
    rebirthInterval: duration.default(5000),
    devices: z.array(deviceMap).min(1, 'expected at least one device mapping'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Map<string, number>();
    s.devices.forEach((d, i) => {
      const key = `${d.group ?? '*'}/${d.node}/${d.device ?? ''}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['devices', i], message: `node "${d.node}"${d.device ? ` device "${d.device}"` : ''} is already mapped at devices[${seen.get(key)}]` });
      seen.set(key, i);
      if (d.asset === undefined && !/^[A-Za-z0-9_.-]+$/.test(d.device ?? d.node)) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'asset'], message: `expected \`asset\`: "${d.device ?? d.node}" is not an asset id` });
      }
    });
  });

export type SparkplugSourceConfig = z.output<typeof sparkplugSource>;
export type SparkplugDeviceMap = SparkplugSourceConfig['devices'][number];
