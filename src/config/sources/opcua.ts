import { z } from 'zod';
import { duration, id } from '../primitives.js';

/**
 * OPC UA client source: one endpoint, one session, monitored items grouped into a few
 * subscriptions by publishing interval. Defaults follow what Kepware's and Ignition's OPC UA
 * clients ship with (1 s publishing, 1 s sampling, queue 1, no deadband).
 */

/** Part 4 §7.17.2 DataChangeFilter deadband: absolute in engineering units, or percent of EURange (Part 8 §6.2). */
const deadband = z
  .object({
    type: z.enum(['absolute', 'percent'], { message: 'expected deadband type "absolute" or "percent"' }),
    value: z.number().min(0, 'expected a deadband value >= 0'),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.type === 'percent' && d.value > 100) ctx.addIssue({ code: 'custom', path: ['value'], message: 'expected a percent deadband between 0 and 100' });
  });

/** Settings an item inherits from the source's `defaults` unless it sets its own. */
const itemSettings = {
  /** How often the server samples the value; `0` = fastest the server can (Part 4 §5.12.1.2). */
  samplingInterval: duration.optional(),
  /** Notifications the server queues between publishes; 1 keeps only the newest. */
  queueSize: z.number().int().min(1).max(10_000).optional(),
  deadband: deadband.optional(),
  /** Items with the same publishing interval share one subscription. */
  publishingInterval: duration.optional(),
};

const opcuaItem = z
  .object({
    asset: id,
    tag: id,
    /** `ns=2;s=Pump1.Vibration`, `ns=3;i=1001`, `nsu=urn:…;s=…` (Part 6 §5.3.1.10 text format). */
    nodeId: z.string().min(1).optional(),
    /** Browse path from the Objects folder, `/`-separated browse names with a namespace prefix: `2:DemoPlant/2:Utilities/2:P-101/2:Vibration`. */
    browsePath: z.string().min(1).optional(),
    ...itemSettings,
  })
  .strict()
  .superRefine((it, ctx) => {
    if ((it.nodeId === undefined) === (it.browsePath === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['nodeId'], message: 'expected exactly one of `nodeId` or `browsePath`' });
    }
  });

const userAuth = z
  .object({
    type: z.literal('username'),
    username: z.string().min(1),
    /** Use `${ENV}` to keep it out of the file. */
    password: z.string(),
  })
  .strict();
const anonymousAuth = z.object({ type: z.literal('anonymous') }).strict();

export const opcuaSource = z
  .object({
    id,
    type: z.literal('opcua'),
    enabled: z.boolean().default(true),
    /** `opc.tcp://host:4840[/path]`. */
    endpoint: z.string().regex(/^opc\.tcp:\/\/[^/\s]+/, 'expected an endpoint URL such as opc.tcp://plc.local:4840'),
    /** Part 4 §7.15 MessageSecurityMode. */
    securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt'], { message: 'expected securityMode None, Sign or SignAndEncrypt' }).default('None'),
    /** Part 7 security policies; Basic128Rsa15 and Basic256 are deprecated and left out on purpose. */
    securityPolicy: z
      .enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'], { message: 'expected securityPolicy None, Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss' })
      .default('None'),
    auth: z.discriminatedUnion('type', [anonymousAuth, userAuth]).default({ type: 'anonymous' }),
    /**
     * Server certificates to trust, each a PEM/DER file (relative to the gateway data dir) or a
     * SHA-1 thumbprint (hex, as UaExpert shows it). Otherwise trust with `cbm-gateway opcua trust`.
     */
    trustedServerCertificates: z.array(z.string().min(1)).default([]),
    /**
     * CA certificates (PEM or DER files, relative to the data dir; a PEM file may hold several)
     * to trust: a server certificate one of them signed, directly or through `issuerCertificates`,
     * is accepted without trusting each server by hand (OPC UA Part 4 §6.1.3, a trust list of CAs).
     * Each needs its revocation list in `revocationLists`.
     */
    trustedCaCertificates: z.array(z.string().min(1)).default([]),
    /** Intermediate CA certificates, for servers that do not send their whole chain; not trusted by themselves. */
    issuerCertificates: z.array(z.string().min(1)).default([]),
    /**
     * Certificate revocation lists (PEM or DER files), one per CA, as the CA publishes them: a
     * server certificate a list names is refused. Without a CA's list its servers are refused
     * (BadCertificateRevocationUnknown), as Part 4 §6.1.3 asks. Read at every connection attempt:
     * replace the file to update it.
     */
    revocationLists: z.array(z.string().min(1)).default([]),
    /** PKI folder (own certificate, trusted/rejected peers); relative to the data dir. Shared by every OPC UA source by default. */
    pkiDir: z.string().default('opcua/pki'),
    sessionTimeout: duration.default(60_000),
    /** First and longest wait between reconnection attempts (doubling in between). */
    reconnect: z
      .object({ initialDelay: duration.default(1000), maxDelay: duration.default(30_000) })
      .strict()
      .default({ initialDelay: 1000, maxDelay: 30_000 }),
    /** How often items the server refused (unknown node, no browse-path match) are tried again. */
    refusedItemRetry: duration.default(30_000),
    /** Publishing cycles without data before the server sends a keep-alive (Part 4 §5.13.1.1). */
    maxKeepAliveCount: z.number().int().min(1).default(10),
    /** Item settings unless an item sets its own. */
    defaults: z
      .object({
        samplingInterval: duration.default(1000),
        queueSize: z.number().int().min(1).max(10_000).default(1),
        deadband: deadband.optional(),
        publishingInterval: duration.default(1000),
      })
      .strict()
      .default({ samplingInterval: 1000, queueSize: 1, publishingInterval: 1000 }),
    items: z.array(opcuaItem).min(1, 'expected at least one item'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.securityMode === 'None') !== (s.securityPolicy === 'None')) {
      ctx.addIssue({ code: 'custom', path: ['securityPolicy'], message: 'securityMode None goes with securityPolicy None, and Sign/SignAndEncrypt need a policy such as Basic256Sha256' });
    }
    const seen = new Map<string, number>();
    s.items.forEach((it, i) => {
      const k = `${it.asset}/${it.tag}`;
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['items', i, 'tag'], message: `duplicate item for ${k} (first at items[${seen.get(k)}])` });
      seen.set(k, i);
    });
  });

export type OpcuaSourceConfig = z.output<typeof opcuaSource>;
export type OpcuaItemConfig = OpcuaSourceConfig['items'][number];
export type DeadbandConfig = NonNullable<OpcuaItemConfig['deadband']>;
