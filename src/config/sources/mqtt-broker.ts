import { z } from 'zod';
import { duration } from '../primitives.js';

/**
 * The embedded MQTT broker's settings (docs/mqtt.md lists each with its default and why). Secrets
 * and certificates come from files (`*File`, for Docker and systemd secrets) or `${ENV}`; relative
 * paths are read from the gateway's data folder.
 */

const port = z.number().int().min(0).max(65535);

/** An MQTT topic filter, optionally with `{client}` / `{username}` placeholders. */
const topicPattern = z
  .string()
  .min(1)
  .refine((p) => p.split('/').every((l, i, all) => (l === '#' ? i === all.length - 1 : l === '+' || !/[+#]/.test(l))), {
    message: 'expected an MQTT topic filter: `+` and `#` alone in their level, `#` last (e.g. plant/{client}/#)',
  });

/** Publish and subscribe patterns; the default lets a client do anything outside `$SYS` (Mosquitto without an ACL file). */
const acl = {
  publish: z.array(topicPattern).default(['#']),
  subscribe: z.array(topicPattern).default(['#']),
};

/** A password hash as src/sources/mqtt/passwords.ts makes it. */
export const SCRYPT_HASH = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

const scryptHash = z
  .string()
  .regex(SCRYPT_HASH, 'expected a scrypt hash "$scrypt$N=…,r=…,p=…$<salt>$<hash>" (docs/mqtt.md: making a password hash)');

const user = z
  .object({
    /** CONNECT user name; with a client certificate, its subject's common name (CN). */
    username: z.string().min(1),
    /** scrypt hash of the password; none: this user signs in with a client certificate only. */
    passwordHash: scryptHash.optional(),
    /** File holding the hash (first line). */
    passwordHashFile: z.string().min(1).optional(),
    ...acl,
  })
  .strict()
  .refine((u) => !(u.passwordHash && u.passwordHashFile), { message: 'expected `passwordHash` or `passwordHashFile`, not both', path: ['passwordHashFile'] });

const tls = z
  .object({
    /** mqtts port (8883 is MQTT's registered TLS port). */
    port: port.default(8883),
    /** PEM certificate chain and private key of the broker. */
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** Passphrase of an encrypted key, from a file. */
    keyPassphraseFile: z.string().min(1).optional(),
    /** PEM CA bundle that signs client certificates. */
    caFile: z.string().min(1).optional(),
    /** `none`: no client certificates; `request`: verified when presented; `require`: no connection without one. */
    clientCertificates: z.enum(['none', 'request', 'require']).default('none'),
    /** MQTT over WebSocket over TLS (wss://host:port/mqtt, path free), with the same certificate. */
    websocketPort: port.optional(),
  })
  .strict()
  .refine((t) => t.clientCertificates === 'none' || t.caFile !== undefined, { message: 'expected `caFile` (the CA that signs client certificates) with clientCertificates request/require', path: ['caFile'] });

export const mqttBroker = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    /** Plain TCP listener; `false` leaves only TLS. */
    port: z.union([port, z.literal(false)]).default(1883),
    /** Let clients connect without credentials. Off unless asked for. */
    allowAnonymous: z.boolean().default(false),
    /** What anonymous clients may do (with `allowAnonymous`). */
    anonymous: z.object(acl).strict().default({ publish: ['#'], subscribe: ['#'] }),
    users: z.array(user).default([]),
    tls: tls.optional(),
    /** Simultaneous connections over all listeners; more are closed at once. */
    maxConnections: z.number().int().positive().default(1000),
    /** Largest packet a client may send (bytes, fixed header included). */
    maxPacketSize: z.number().int().min(64).max(268_435_460).default(256 * 1024),
    /** A packet started must be finished within this. */
    readTimeout: duration.default(30_000),
    /** Inbound QoS 2 messages a client may have awaiting PUBREL. */
    maxInflight: z.number().int().min(1).max(65_535).default(1000),
    /** Packets a client may send before its CONNACK (aedes's queueLimit). */
    maxQueued: z.number().int().min(1).default(42),
    /** PUBLISH packets per second per client; past it the broker stops reading from it until the next second. 0 = no limit. */
    messageRate: z.number().int().min(0).default(0),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.enabled && !b.allowAnonymous && b.users.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['allowAnonymous'], message: 'no client could connect: list `users`, or set `allowAnonymous: true` to let any client in (the demo does)' });
    }
    if (b.port === false && !b.tls) ctx.addIssue({ code: 'custom', path: ['port'], message: 'expected a port, or `tls`: with neither the broker has no listener' });
  });

export type MqttBrokerConfig = z.output<typeof mqttBroker>;
