import { hostname } from 'node:os';
import {
  makeApplicationUrn,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type OPCUACertificateManager,
  type UserIdentityInfo,
} from 'node-opcua';
import type { OpcuaSourceConfig } from '../../config/sources/opcua.js';

export const APPLICATION_NAME = 'cbm-gateway';

type Security = Pick<OpcuaSourceConfig, 'securityMode' | 'securityPolicy'>;

export function securityOf(cfg: Security): { securityMode: MessageSecurityMode; securityPolicy: SecurityPolicy } {
  return { securityMode: MessageSecurityMode[cfg.securityMode], securityPolicy: SecurityPolicy[cfg.securityPolicy] };
}

/**
 * A node-opcua client for one endpoint. node-opcua repairs a broken secure channel by itself
 * (retrying forever between `initialDelay` and `maxDelay`), then reactivates or recreates the
 * session and transfers or recreates its subscriptions; the source watches over that and
 * rebuilds from scratch when the repair does not bring data back. `maxRetry: 1` keeps the first
 * connect short, so that the source's own backoff loop owns start-up failures.
 */
export function createClient(cfg: OpcuaSourceConfig, cm: OPCUACertificateManager): OPCUAClient {
  return OPCUAClient.create({
    applicationName: APPLICATION_NAME,
    applicationUri: makeApplicationUrn(hostname(), APPLICATION_NAME),
    clientName: `${APPLICATION_NAME}-${cfg.id}`,
    ...securityOf(cfg),
    endpointMustExist: false,
    keepSessionAlive: true,
    requestedSessionTimeout: cfg.sessionTimeout,
    // node-opcua's backoff fails every attempt at once ("premature disconnection") when
    // maxDelay equals initialDelay, so keep them apart.
    connectionStrategy: { maxRetry: 1, initialDelay: cfg.reconnect.initialDelay, maxDelay: Math.max(cfg.reconnect.maxDelay, 2 * cfg.reconnect.initialDelay) },
    clientCertificateManager: cm,
  });
}

export function userIdentity(cfg: Pick<OpcuaSourceConfig, 'auth'>): UserIdentityInfo {
  return cfg.auth.type === 'username'
    ? { type: UserTokenType.UserName, userName: cfg.auth.username, password: cfg.auth.password }
    : { type: UserTokenType.Anonymous };
}

/**
 * The certificate the server presents on the endpoint matching our security settings, fetched
 * with GetEndpoints over an unsecured channel (Part 4 §5.4.4 allows it, exactly for this). Used to
 * show an engineer what to trust; fetching it trusts nothing.
 */
export async function fetchServerCertificate(endpoint: string, sec: Security, cm: OPCUACertificateManager): Promise<Buffer | undefined> {
  const client = OPCUAClient.create({
    applicationName: APPLICATION_NAME,
    applicationUri: makeApplicationUrn(hostname(), APPLICATION_NAME),
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    clientCertificateManager: cm,
  });
  try {
    await client.connect(endpoint);
    const eps = await client.getEndpoints();
    const want = securityOf(sec);
    const ep = eps.find((e) => e.securityMode === want.securityMode && e.securityPolicyUri === want.securityPolicy) ?? eps.find((e) => e.serverCertificate?.length);
    return ep?.serverCertificate ?? undefined;
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}
