import mqtt, { type MqttClient } from 'mqtt';
import type { GatewayStatusConfig } from '../config/fleet.js';
import type { Clock } from '../core/clock.js';
import { OnceLogger, type Logger } from '../core/logger.js';
import { brokerOptions } from './broker.js';

export interface GatewayIdentity {
  gatewayId: string;
  site: { id: string; name: string };
  /** Software version, for the central view. */
  version?: string | undefined;
}

export function statusTopic(template: string, id: GatewayIdentity): string {
  return template.replace(/\{site\}/g, id.site.id).replace(/\{gateway\}/g, id.gatewayId);
}

/** What the status connection has done, for /metrics and tests. */
export interface StatusStats {
  connected: boolean;
  births: number;
  refreshes: number;
}

/**
 * The gateway's presence on a central broker: a retained `{"online":true,…}` on its status topic
 * when it connects (the birth), the same topic retained `{"online":false,…}` as its MQTT will,
 * which the broker publishes when the connection dies without a DISCONNECT (crash, power loss,
 * network cut) once 1.5 × keep-alive has passed [MQTT-3.1.2-8, MQTT-3.1.2-24], and an explicit
 * offline message on a clean shutdown. Retained, so a central system that subscribes later still
 * learns every gateway's last state. Lifecycle: `start()` (connects in the background, reconnects by
 * itself) → `stop()` (publishes offline, disconnects).
 */
export class GatewayStatus {
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly topic: string;
  private readonly once: OnceLogger;
  private readonly s: StatusStats = { connected: false, births: 0, refreshes: 0 };

  constructor(
    private readonly cfg: GatewayStatusConfig,
    private readonly id: GatewayIdentity,
    private readonly o: { clock: Clock; log: Logger; startedAt: number; details?: () => Record<string, unknown> },
  ) {
    this.topic = statusTopic(cfg.topic, id);
    this.once = new OnceLogger(o.log);
  }

  private message(online: boolean, extra: Record<string, unknown>): Buffer {
    const body = { online, gatewayId: this.id.gatewayId, site: this.id.site, version: this.id.version, ...extra };
    return Buffer.from(JSON.stringify(body));
  }

  start(): void {
    const will = { topic: this.topic, payload: this.message(false, { reason: 'connection lost' }), qos: 1 as const, retain: true };
    const clientId = this.cfg.clientId ?? `cbm-status-${this.id.site.id}-${this.id.gatewayId}`;
    const client = mqtt.connect(this.cfg.url, brokerOptions(this.cfg, clientId, will));
    this.client = client;
    client.on('connect', () => {
      this.s.connected = true;
      this.once.reset('error');
      this.o.log.info({ url: this.cfg.url, topic: this.topic }, 'gateway status online');
      this.s.births++;
      this.publish(client, true);
    });
    client.on('close', () => (this.s.connected = false));
    client.on('error', (e) => this.once.warn('error', { url: this.cfg.url, err: e.message }, 'status broker connection failed; retrying'));
    if (this.cfg.interval > 0) {
      this.timer = setInterval(() => {
        if (!client.connected) return;
        this.s.refreshes++;
        this.publish(client, true);
      }, this.cfg.interval);
      this.timer.unref();
    }
  }

  private publish(client: MqttClient, online: boolean, extra: Record<string, unknown> = {}): Promise<void> {
    const now = this.o.clock.now();
    const details = online ? (this.o.details?.() ?? {}) : {};
    const body = this.message(online, { ts: new Date(now).toISOString(), startedAt: new Date(this.o.startedAt).toISOString(), ...details, ...extra });
    return new Promise((resolve) => {
      client.publish(this.topic, body, { qos: 1, retain: true }, (err) => {
        if (err) this.once.warn('publish', { topic: this.topic, err: err.message }, 'status publish failed');
        resolve();
      });
    });
  }

  stats(): StatusStats {
    return { ...this.s };
  }

  /**
   * Publishes the retained offline status (waiting at most `timeoutMs` for the broker's PUBACK)
   * and disconnects cleanly, so the broker discards the will.
   */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      const sent = this.publish(client, false, { reason: 'shutdown' });
      await Promise.race([sent, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    await client.endAsync(!client.connected).catch(() => undefined);
    this.s.connected = false;
  }
}
