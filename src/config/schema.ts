import { z } from 'zod';
import { duration, id } from './primitives.js';
import { sourceTagRefs } from './source-tags.js';
import { modbusSource } from './sources/modbus.js';
import { mqttBroker } from './sources/mqtt-broker.js';
import { opcuaSource } from './sources/opcua.js';
import { sparkplugSource } from './sources/sparkplug.js';
import { webhookTarget } from './targets/webhook.js';
import { mqttTarget } from './targets/mqtt.js';
import { maximoTarget } from './targets/maximo.js';
import { sapTarget } from './targets/sap.js';
import { maintainxTarget } from './targets/maintainx.js';
import { apiConfig } from './api.js';
import { fleetProblems, sparkplugConfig, statusConfig } from './fleet.js';

export { id };

const topicMapping = z
  .object({
    /** MQTT topic pattern; `+`/`#` wildcards, `{asset}` and `{tag}` capture a level each. */
    topic: z.string().min(1),
    /** `auto` detects a bare number, true/false, a JSON object or a JSON array. */
    format: z.enum(['auto', 'number', 'json']).default('auto'),
    /** Fixed asset when the topic does not carry it. */
    asset: id.optional(),
    /** Fixed tag when the topic does not carry it (single-value topics). */
    tag: id.optional(),
    /** JSON field holding the timestamp; absent → receive time. */
    timestampField: z.string().default('ts'),
    timestampUnit: z.enum(['auto', 'ms', 's', 'iso']).default('auto'),
    /** JSON field holding the value when the topic names one tag. */
    valueField: z.string().default('value'),
    /** JSON field → tag id, where they differ. Unlisted fields map to the tag of the same name. */
    fields: z.record(z.string(), id).default({}),
    /** Largest payload decoded (bytes); a larger one is refused whole and counted as malformed. Default 1 MiB. */
    maxPayload: z.number().int().min(16).optional(),
  })
  .strict();

const mqttSource = z
  .object({
    id,
    type: z.literal('mqtt'),
    enabled: z.boolean().default(true),
    /** Embedded aedes broker (MQTT 3.1.1). Messages reach the pipeline in-process. */
    broker: mqttBroker.optional(),
    /** External broker URL (mqtt://, mqtts://, ws://); the gateway subscribes as a client. */
    url: z.string().url().optional(),
    clientId: z.string().optional(),
    username: z.string().optional(),
    /** Or `passwordFile` (a Docker/systemd secret), or `${ENV}`. */
    password: z.string().optional(),
    /** mqtts/wss: PEM CA bundle of a private CA (relative paths: from the data folder). */
    caFile: z.string().min(1).optional(),
    /** mqtts/wss: client certificate and key (PEM) for brokers that authenticate clients by certificate. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Verify the broker's TLS certificate (and its host name). Turn off only to test. */
    rejectUnauthorized: z.boolean().default(true),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
    reconnectPeriod: duration.default(2000),
    topics: z.array(topicMapping).min(1),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.url && !s.broker?.enabled) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected `url` (external broker) or `broker.enabled: true` (embedded broker)' });
    }
    if ((s.certFile === undefined) !== (s.keyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: [s.certFile === undefined ? 'certFile' : 'keyFile'], message: 'expected both `certFile` and `keyFile` for a client certificate' });
    }
  });

/**
 * Source configs by type. Each protocol keeps its schema in its own file under
 * `src/config/sources/` (importing only `primitives.ts`) and joins this union.
 */
export const sourceSchema = z.discriminatedUnion('type', [mqttSource, modbusSource, opcuaSource, sparkplugSource]);

const tag = z
  .object({
    id,
    name: z.string().optional(),
    unit: z.string().optional(),
    /** Valid engineering range; samples outside it are Bad (`out_of_range`) and kept from the rules. */
    range: z.object({ min: z.number().optional(), max: z.number().optional() }).strict().optional(),
    /**
     * How often the sensor reports (its publish or poll period; for a report-by-exception source,
     * its heartbeat). Staleness rules count silence in these intervals (`stat: age, per: interval`)
     * and window coverage tolerates gaps of up to 2.5 of them. Without it the gateway learns the
     * interval from the tag's recent sample spacing (median of the last 15).
     */
    interval: duration
      .refine((ms) => ms > 0, { message: 'expected a duration above zero, such as 10s or 10m' })
      .optional(),
    description: z.string().optional(),
    /**
     * What the tag carries: `number` (an analogue value: a boolean, a word or NaN is Bad,
     * `not_a_number`), `boolean` (true/false or 0/1; anything else is Bad, `not_a_boolean`) or
     * `text`. Default: `number` for a tag with a `unit` or a `range`, else any value (a run status,
     * a serial number); a value that is not a number never reaches the rules either way.
     */
    type: z.enum(['number', 'boolean', 'text']).optional(),
  })
  .strict();

/**
 * A usage meter derived from a tag: `runHours` accumulates time while the tag says running
 * (non-zero, or above `above` for an analogue such as motor current); `starts` counts
 * not-running → running transitions. Persisted across restarts.
 */
const meter = z
  .object({
    id,
    type: z.enum(['runHours', 'starts']),
    /** Tag of the same asset that says whether the machine runs. */
    tag: id,
    /** Running when the value is above this (e.g. 5 A of motor current); default: any non-zero value. */
    above: z.number().optional(),
    /** A gap between samples longer than this is not counted as run time (data outage). */
    maxGap: duration.default(600_000),
  })
  .strict();

const asset = z
  .object({
    id,
    name: z.string().min(1),
    class: id.optional(),
    /** `area/line` in the site hierarchy. */
    line: z.string().optional(),
    serialNumber: z.string().optional(),
    manufacturer: z.string().optional(),
    model: z.string().optional(),
    /** ABC criticality as used in RCM: A = production or safety critical. */
    criticality: z.enum(['A', 'B', 'C']).default('B'),
    /** Free attributes rule selectors can match, e.g. ISO 10816-3 `machineGroup: 2`, `foundation: rigid`. */
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    tags: z.array(tag).default([]),
    meters: z.array(meter).default([]),
  })
  .strict();

const line = z.object({ id, name: z.string().min(1) }).strict();
const area = z.object({ id, name: z.string().min(1), lines: z.array(line).default([]) }).strict();

/**
 * Work-order targets by type. Each keeps its schema in its own file under `src/config/targets/`
 * (importing only `primitives.ts`) and joins this union.
 */
export const targetSchema = z.discriminatedUnion('type', [webhookTarget, mqttTarget, maximoTarget, sapTarget, maintainxTarget]);

const influx = z
  .object({
    enabled: z.boolean().default(true),
    url: z.string().url(),
    token: z.string().default(''),
    org: z.string().default(''),
    bucket: z.string().min(1),
    /** Measurement name: the asset's class (falls back to `asset`) or the asset id. */
    measurement: z.enum(['class', 'asset']).default('class'),
    batchSize: z.number().int().positive().default(5000),
    flushInterval: duration.default(1000),
    maxRetries: z.number().int().min(0).default(5),
    maxBufferLines: z.number().int().positive().default(100_000),
    /** While InfluxDB is unreachable, lines spill to SQLite (`<dataDir>/spill.db`) and replay in order later. */
    spill: z
      .object({
        enabled: z.boolean().default(true),
        /** Size cap of the spilled lines (bytes of line protocol); beyond it the oldest are dropped and counted. */
        maxBytes: z.number().int().positive().default(512 * 1024 * 1024),
        /** Lines per replayed request. */
        replayBatch: z.number().int().positive().default(20_000),
      })
      .strict()
      .default({ enabled: true, maxBytes: 512 * 1024 * 1024, replayBatch: 20_000 }),
  })
  .strict();

const DAY_MS = 86_400_000;

/** Local tag history in the gateway's store, so charts work without InfluxDB (docs/history.md). */
const history = z
  .object({
    enabled: z.boolean().default(true),
    /** How long 1-minute aggregates (min, avg, max, last, count per tag) are kept. */
    minutes: duration.default(7 * DAY_MS).refine((ms) => ms >= 3_600_000, 'expected at least 1h'),
    /** How long 1-hour aggregates are kept. */
    hours: duration.default(90 * DAY_MS).refine((ms) => ms >= DAY_MS, 'expected at least 1d'),
  })
  .strict();

export const siteConfigSchema = z
  .object({
    gateway: z
      .object({
        id,
        /** Folder for SQLite, certificates and state. Relative to the config file. */
        dataDir: z.string().default('./data'),
        logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        /** Reload rule files when they change (a broken file keeps the previous rules running). */
        watchRules: z.boolean().default(true),
        /**
         * Sample timestamps accepted around the gateway's clock: a sample dated further ahead or
         * further back is Bad (`timestamp_out_of_window`), counted and kept out of the rules, so a
         * timestamp read in the wrong unit cannot blind a rule or break an answer.
         */
        timestamps: z
          .object({ maxAhead: duration.default(86_400_000), maxBehind: duration.default(365 * 86_400_000) })
          .strict()
          .default({ maxAhead: 86_400_000, maxBehind: 365 * 86_400_000 }),
        /**
         * Longest a clean stop takes: the time-series writer gets a quarter of it to flush, the
         * dispatcher half of it to deliver what is due; what is left then stays in the outbox and
         * the spill for the next start. Keep it under the service manager's stop timeout (30 s in
         * deploy/).
         */
        shutdownTimeout: duration.default(20_000),
      })
      .strict(),
    site: z.object({ id, name: z.string().min(1) }).strict(),
    areas: z.array(area).default([]),
    assets: z.array(asset).default([]),
    sources: z.array(sourceSchema).default([]),
    /** Rule files or folders of `*.yaml`, relative to the config file. */
    rules: z.array(z.string()).default([]),
    influx: influx.optional(),
    history: history.default({ enabled: true, minutes: 7 * DAY_MS, hours: 90 * DAY_MS }),
    workOrders: z
      .object({
        targets: z.array(targetSchema).default([]),
        retry: z
          .object({
            initialDelay: duration.default(1000),
            maxDelay: duration.default(300_000),
            factor: z.number().min(1).default(2),
            /** 0 = retry forever (until the dead-letter age). */
            maxAttempts: z.number().int().min(0).default(0),
            /** A delivery still failing this long after its order was made goes to `dead`; 0 = never. */
            deadLetterAfter: duration.default(7 * 86_400_000),
          })
          .strict()
          .default({ initialDelay: 1000, maxDelay: 300_000, factor: 2, maxAttempts: 0, deadLetterAfter: 7 * 86_400_000 }),
        /** Status back from the CMMS: the inbound endpoint's shared secret and the polling interval. */
        status: z
          .object({
            /** `POST /api/work-orders/status` needs `X-CBM-Signature: sha256=<HMAC-SHA256 of the body with this secret>`. */
            secret: z.string().min(1).optional(),
            /** The secret read from this file (Docker/systemd secrets), relative to the config file; instead of `secret`. */
            secretFile: z.string().optional(),
            /** Accept unsigned reports (from anyone who can reach the API). Off: a report needs the signature or an API token of role technician or above. */
            unsigned: z.boolean().default(false),
            /** How often targets that can be read back (`pollStatus`) are asked; 0 = never. */
            pollInterval: duration.default(60_000),
          })
          .strict()
          .refine((s) => s.secret === undefined || s.secretFile === undefined, { message: 'expected one of secret or secretFile, not both', path: ['secretFile'] })
          .default({ pollInterval: 60_000, unsigned: false }),
        /** Orders delivered in parallel across assets; one asset's orders go in order. */
        concurrency: z.number().int().positive().default(4),
        /** One open order per problem (docs/rules.md: how orders are consolidated). */
        consolidation: z
          .object({
            /** Without status back from the CMMS, an order counts as open this long (a rule's `renotify` overrides it). */
            renotify: duration.default(7 * 86_400_000),
            /** Updates of one order go out at most this often (further raises merge into the pending update); escalations go at once. */
            updateEvery: duration.default(3_600_000),
          })
          .strict()
          .default({ renotify: 7 * 86_400_000, updateEvery: 3_600_000 }),
        /**
         * Flood guard (EEMUA 191: more than 10 alarms in 10 minutes is a flood): beyond `count` new
         * orders within `window` for one asset, or one area, further orders are held and one
         * "alarm flood" order lists them.
         */
        flood: z
          .object({ count: z.number().int().min(1).default(10), window: duration.default(600_000) })
          .strict()
          .default({ count: 10, window: 600_000 }),
        /**
         * When deliveries make /api/health `degraded`: a target failing `failures` requests in a
         * row or for `failingFor`, whichever comes first; more than `maxPending` deliveries waiting,
         * or the oldest waiting longer than `maxPendingAge`.
         */
        health: z
          .object({
            failures: z.number().int().min(1).default(3),
            failingFor: duration.default(60_000),
            maxPending: z.number().int().min(0).default(1000),
            maxPendingAge: duration.default(900_000),
          })
          .strict()
          .default({ failures: 3, failingFor: 60_000, maxPending: 1000, maxPendingAge: 900_000 }),
      })
      .strict()
      .default({
        targets: [],
        retry: { initialDelay: 1000, maxDelay: 300_000, factor: 2, maxAttempts: 0, deadLetterAfter: 7 * 86_400_000 },
        status: { pollInterval: 60_000, unsigned: false },
        concurrency: 4,
        consolidation: { renotify: 7 * 86_400_000, updateEvery: 3_600_000 },
        flood: { count: 10, window: 600_000 },
        health: { failures: 3, failingFor: 60_000, maxPending: 1000, maxPendingAge: 900_000 },
      }),
    api: apiConfig,
    /** Gateway status (birth and last will) on a central broker: docs/fleet.md. */
    status: statusConfig.optional(),
    /** The gateway as a Sparkplug B edge node: docs/sparkplug.md. */
    sparkplug: sparkplugConfig.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    fleetProblems(cfg, ctx);
    const lines = new Set(cfg.areas.flatMap((a) => a.lines.map((l) => `${a.id}/${l.id}`)));
    const seen = new Map<string, number>();
    cfg.assets.forEach((a, i) => {
      if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['assets', i, 'id'], message: `duplicate asset id "${a.id}" (first at assets[${seen.get(a.id)}])` });
      seen.set(a.id, i);
      if (a.line !== undefined && !lines.has(a.line)) {
        ctx.addIssue({ code: 'custom', path: ['assets', i, 'line'], message: `expected "area/line" naming a line under \`areas\`; known: ${[...lines].join(', ') || 'none'}` });
      }
      const tags = new Set<string>();
      a.tags.forEach((t, j) => {
        if (tags.has(t.id)) ctx.addIssue({ code: 'custom', path: ['assets', i, 'tags', j, 'id'], message: `duplicate tag id "${t.id}" on asset "${a.id}"` });
        tags.add(t.id);
      });
      a.meters.forEach((m, j) => {
        if (!tags.has(m.tag)) ctx.addIssue({ code: 'custom', path: ['assets', i, 'meters', j, 'tag'], message: `expected a tag of asset "${a.id}" (tags: ${[...tags].join(', ') || 'none'})` });
        if (tags.has(m.id)) ctx.addIssue({ code: 'custom', path: ['assets', i, 'meters', j, 'id'], message: `meter id "${m.id}" is also a tag id; rules could not tell them apart` });
      });
    });
    const tagsOf = new Map(cfg.assets.map((a) => [a.id, new Set(a.tags.map((t) => t.id))]));
    cfg.sources.forEach((s, i) => {
      for (const r of sourceTagRefs(s)) {
        const tags = tagsOf.get(r.asset);
        if (!tags) ctx.addIssue({ code: 'custom', path: ['sources', i, ...r.path, 'asset'], message: `unknown asset "${r.asset}"; known: ${[...tagsOf.keys()].join(', ') || 'none'}` });
        else if (!tags.has(r.tag)) ctx.addIssue({ code: 'custom', path: ['sources', i, ...r.path, 'tag'], message: `asset "${r.asset}" has no tag "${r.tag}"; its tags: ${[...tags].join(', ') || 'none'}` });
      }
    });
    const ids = new Set<string>();
    cfg.sources.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}"` });
      ids.add(s.id);
    });
  });

export type SiteConfig = z.output<typeof siteConfigSchema>;
export type SiteConfigInput = z.input<typeof siteConfigSchema>;
export type AssetConfig = SiteConfig['assets'][number];
export type TagConfig = AssetConfig['tags'][number];
export type MeterConfig = AssetConfig['meters'][number];
export type SourceConfig = SiteConfig['sources'][number];
export type MqttSourceConfig = Extract<SourceConfig, { type: 'mqtt' }>;
export type TopicMapping = MqttSourceConfig['topics'][number];
export type TargetConfig = SiteConfig['workOrders']['targets'][number];
export type WebhookTargetConfig = Extract<TargetConfig, { type: 'webhook' }>;
export type InfluxConfig = NonNullable<SiteConfig['influx']>;
export type RetryConfig = SiteConfig['workOrders']['retry'];
export type ApiConfig = SiteConfig['api'];
export type StatusConfig = SiteConfig['workOrders']['status'];
export type SpillConfig = InfluxConfig['spill'];
export type HistoryConfig = SiteConfig['history'];
