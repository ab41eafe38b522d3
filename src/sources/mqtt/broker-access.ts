import { aclAllows, compileAcl, type TopicAcl } from './topic-acl.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** A broker user, its secrets read (src/config/sources/mqtt-broker.ts has the settings). */
export interface AccessUser {
  username: string;
  /** scrypt hash; none: the user signs in with a client certificate only. */
  passwordHash?: string | undefined;
  publish: readonly string[];
  subscribe: readonly string[];
}

export interface AccessConfig {
  allowAnonymous: boolean;
  anonymous: { publish: readonly string[]; subscribe: readonly string[] };
  users: readonly AccessUser[];
}

/** Who a connection is, and what it may do (its patterns with its client id and user name filled in). */
export interface Identity {
  username: string | undefined;
  publish: TopicAcl;
  subscribe: TopicAcl;
}

/** A refused CONNECT: the CONNACK return code [MQTT-3.2.2.3] and why. */
export interface Refused {
  code: 4 | 5;
  reason: string;
}

/** What is known of a connecting client. */
export interface Credentials {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  /** Common name of a client certificate the TLS layer verified. */
  certificateName: string | undefined;
}

/**
 * Authentication and ACLs of the embedded broker. A verified client certificate whose subject CN
 * names a user signs in as that user; else a user name and password that match a user's hash;
 * else, with `allowAnonymous`, anonymous. Each identity gets its user's (or the anonymous)
 * publish and subscribe patterns.
 */
export class BrokerAccess {
  private readonly users: Map<string, AccessUser>;
  /** Checked against when a user name is unknown, so that an unknown and a known name take as long. */
  private readonly decoy: Promise<string>;

  constructor(private readonly cfg: AccessConfig) {
    this.users = new Map(cfg.users.map((u) => [u.username, u]));
    this.decoy = cfg.users.length ? hashPassword('decoy') : Promise.resolve('');
  }

  /** Anyone, anything outside `$SYS` (an embedded broker built without settings: tests, benchmarks). */
  static open(): BrokerAccess {
    return new BrokerAccess({ allowAnonymous: true, anonymous: { publish: ['#'], subscribe: ['#'] }, users: [] });
  }

  async authenticate(c: Credentials): Promise<Identity | Refused> {
    if (c.certificateName !== undefined) {
      const u = this.users.get(c.certificateName);
      if (u && (c.username === undefined || c.username === u.username)) return this.identity(c.clientId, u.username, u);
    }
    if (c.username !== undefined) {
      const u = this.users.get(c.username);
      const hash = u?.passwordHash;
      const ok = c.password !== undefined && (await verifyPassword(c.password.toString('utf8'), hash ?? (await this.decoy)));
      if (!u || hash === undefined || !ok) return { code: 4, reason: 'bad user name or password' };
      return this.identity(c.clientId, u.username, u);
    }
    if (!this.cfg.allowAnonymous) return { code: 5, reason: 'anonymous access is off' };
    return this.identity(c.clientId, undefined, this.cfg.anonymous);
  }

  canPublish(who: Identity, topic: string): boolean {
    return aclAllows(who.publish, topic);
  }

  canSubscribe(who: Identity, filter: string): boolean {
    return aclAllows(who.subscribe, filter);
  }

  private identity(clientId: string, username: string | undefined, acl: { publish: readonly string[]; subscribe: readonly string[] }): Identity {
    return { username, publish: compileAcl(acl.publish, clientId, username), subscribe: compileAcl(acl.subscribe, clientId, username) };
  }
}

export const isRefused = (r: Identity | Refused): r is Refused => 'code' in r;
