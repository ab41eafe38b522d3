import { z } from 'zod';
import { duration } from './primitives.js';

/**
 * Config of what the gateway tells central systems over MQTT: its own status (birth and last
 * will, `status:`) and its data as a Sparkplug B edge node (`sparkplug:`). Each keeps its own MQTT
 * connection, because a connection carries exactly one will message [MQTT-3.1.2-8] and both need
 * theirs. docs/fleet.md and docs/sparkplug.md describe every key.
 */

/**
 * A Sparkplug id (group, edge node, device): any UTF-8 string without the MQTT separators and
 * wildcards `/`, `+`, `#` (Sparkplug 3.0 §4.1.1, tck-id-topic-structure-namespace-valid-*).
 */
export const sparkplugId = z
  .string()
  .min(1)
  .regex(/^[^/+#]+$/, 'expected a Sparkplug id without "/", "+" or "#"');

/** How to reach a central (or plant) broker as a client. */
export const brokerClient = {
  /** `mqtt://`, `mqtts://` (TLS), `ws://` or `wss://`. */
  url: z.string().url(),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Default: derived from the gateway id, so two gateways never share one (a broker drops the older session). */
  clientId: z.string().optional(),
  /** PEM CA bundle for a private CA (mqtts/wss). */
  caFile: z.string().optional(),
  rejectUnauthorized: z.boolean().default(true),
  /**
   * MQTT keep-alive. The broker publishes the will once 1.5 × this passes without a packet from the
   * gateway [MQTT-3.1.2-24], so this bounds how long a dead gateway looks alive. Whole seconds.
   */
  keepalive: duration.default(15_000),
  connectTimeout: duration.default(10_000),
  /** Delay between reconnect attempts. */
  reconnectPeriod: duration.default(2000),
};

export const statusConfig = z
  .object({
    enabled: z.boolean().default(true),
    ...brokerClient,
    /** Retained status topic; `{site}` and `{gateway}` are replaced by the ids. */
    topic: z.string().min(1).default('cbm/{site}/{gateway}/status'),
    /**
     * How often the retained status is refreshed with current counters (sources, outbox). 0 = only
     * on connect and shutdown. The online/offline change itself never waits for this.
     */
    interval: duration.default(60_000),
  })
  .strict();

/**
 * Report-by-exception deadband of a tag: a new value is published when it differs from the last
 * published one by more than `absolute` engineering units, or by more than `percent` of the tag's
 * range (`max - min`; without a range, of the last published value's magnitude).
 */
export const deadband = z.union([
  z.object({ absolute: z.number().min(0) }).strict(),
  z.object({ percent: z.number().min(0).max(100) }).strict(),
]);

export const sparkplugConfig = z
  .object({
    enabled: z.boolean().default(true),
    ...brokerClient,
    /** Sparkplug group id. Default: the site id. */
    groupId: sparkplugId.optional(),
    /** Sparkplug edge node id; unique within the group (tck-id-payloads-nbirth-edge-node-descriptor). Default: the gateway id. */
    edgeNodeId: sparkplugId.optional(),
    /** Changes are gathered and published as one DDATA per asset this often. 0 = at the end of each event-loop turn. */
    publishInterval: duration.default(1000),
    /** Deadband for tags without their own entry in `deadbands`. */
    deadband: deadband.default({ absolute: 0 }),
    /** Per-tag deadbands by `<asset>/<tag>`. */
    deadbands: z.record(z.string(), deadband).default({}),
    /** Publish alarm states (`Alarms/<rule>/…`) and work-order states (`WorkOrders/…`) as metrics. */
    alarms: z.boolean().default(true),
    workOrders: z.boolean().default(true),
    /** Metric changes held for one DDATA before it goes out early (bounds memory in a burst). */
    maxBatch: z.number().int().positive().default(10_000),
  })
  .strict();

export type BrokerClientConfig = z.output<z.ZodObject<typeof brokerClient>>;
export type GatewayStatusConfig = z.output<typeof statusConfig>;
export type SparkplugConfig = z.output<typeof sparkplugConfig>;
export type Deadband = z.output<typeof deadband>;

/** Cross-checks against the rest of the site config: every per-tag deadband names a tag. */
export function fleetProblems(cfg: { sparkplug?: SparkplugConfig | undefined; assets: { id: string; tags: { id: string }[] }[] }, ctx: z.RefinementCtx): void {
  const keys = new Set(cfg.assets.flatMap((a) => a.tags.map((t) => `${a.id}/${t.id}`)));
  for (const key of Object.keys(cfg.sparkplug?.deadbands ?? {})) {
    if (!keys.has(key)) ctx.addIssue({ code: 'custom', path: ['sparkplug', 'deadbands', key], message: `expected "<asset>/<tag>" naming a tag of the site; "${key}" is none` });
  }
}
