import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { BrokerClientConfig } from '../config/fleet.js';

export interface Will {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

/**
 * mqtt.js options for a connection to a central broker that carries a will: a clean session
 * (Sparkplug 3.0 §5.3: every Sparkplug client sets Clean Session; a status connection gains
 * nothing from a persistent one either), the keep-alive in whole seconds, and QoS 0 publishes
 * dropped rather than queued while offline, so a reconnect never replays stale data ahead of the
 * new birth.
 */
export function brokerOptions(cfg: BrokerClientConfig, clientId: string, will: Will): IClientOptions {
  const o: IClientOptions = {
    clientId,
    clean: true,
    keepalive: Math.max(1, Math.round(cfg.keepalive / 1000)),
    connectTimeout: cfg.connectTimeout,
    reconnectPeriod: cfg.reconnectPeriod,
    rejectUnauthorized: cfg.rejectUnauthorized,
    queueQoSZero: false,
    will,
    // mqtt.js logs each packet through `debug` unless told otherwise; keep it for DEBUG=mqttjs*.
    log: /mqttjs/.test(process.env.DEBUG ?? '') ? undefined : () => undefined,
  };
  if (cfg.username !== undefined) o.username = cfg.username;
  if (cfg.password !== undefined) o.password = cfg.password;
  if (cfg.caFile) o.ca = readFileSync(cfg.caFile);
  return o;
}
