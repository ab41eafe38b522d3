import mqtt, { type MqttClient } from 'mqtt';
import type { SparkplugSourceConfig } from '../../config/sources/sparkplug.js';
import { OnceLogger } from '../../core/logger.js';
import { redactUrl } from '../../core/redact.js';
import { decodePayload, encodePayload, SparkplugPayloadError } from '../../sparkplug/payload.js';
import { NAMESPACE, nodeTopic, parseTopic, type SparkplugTopic } from '../../sparkplug/topic.js';
import type { DeviceStatus, Source, SourceContext } from '../source.js';
import { SparkplugHost } from './host.js';

/**
 * Telemetry from other Sparkplug B edge nodes (PLC gateways, Ignition Edge, Kepware, Node-RED)
 * through a plant broker or the embedded one. The gateway subscribes as a host application
 * (`spBv1.0/<group>/#`, clean session, QoS 0 as Sparkplug publishes), maps BIRTH metrics to tags
 * by name and DATA metrics by alias ({@link SparkplugHost}), and asks a node for a rebirth
 * (NCMD `Node Control/Rebirth`, at most once per `rebirthInterval`) when it sees data it cannot
 * place. It never sends other commands.
 */
export class SparkplugSource implements Source {
  readonly type = 'sparkplug';
  readonly id: string;
  private client: MqttClient | undefined;
  private host: SparkplugHost | undefined;
  private once: OnceLogger | undefined;
  private ctx: SourceContext | undefined;
  private readonly c = { messages: 0, samples: 0, malformed: 0, ignored: 0, rebirthRequests: 0 };
  private readonly lastRebirth = new Map<string, number>();
  private readonly online = new Map<string, DeviceStatus>();

  constructor(private readonly cfg: SparkplugSourceConfig) {
    this.id = cfg.id;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.once = new OnceLogger(ctx.log);
    this.host = new SparkplugHost(this.cfg.devices, (key) => ctx.tagIndex?.(key), (where, metric) =>
      this.once!.warn(`unmapped:${where}`, { source: this.id, where, metric }, 'Sparkplug metric maps to no tag of the site; its values are dropped (counted as unmappedMetrics)'),
    );
    ctx.status('starting');
    const groups = [...new Set(this.cfg.devices.map((d) => d.group ?? '+'))];
    const filters = groups.includes('+') ? [`${NAMESPACE}/+/#`] : groups.map((g) => `${NAMESPACE}/${g}/#`);
    const client = mqtt.connect(this.cfg.url, {
      clientId: this.cfg.clientId ?? `cbm-gateway-${this.id}-${process.pid}`,
      username: this.cfg.username,
      password: this.cfg.password,
      clean: true, // Sparkplug 3.0 §5.2: every Sparkplug client sets Clean Session
      reconnectPeriod: this.cfg.reconnectPeriod,
      connectTimeout: 10_000,
      log: /mqttjs/.test(process.env.DEBUG ?? '') ? undefined : () => undefined,
    });
    this.client = client;
    const shown = redactUrl(this.cfg.url); // status and log: no credentials
    client.on('connect', () => {
      ctx.status('connected', shown);
      this.once?.reset('client-error');
      client.subscribe(filters, { qos: 0 }, (err) => {
        if (err) ctx.log.error({ err: err.message, filters }, 'Sparkplug subscribe failed');
      });
    });
    client.on('reconnect', () => ctx.status('reconnecting', shown));
    client.on('offline', () => ctx.status('reconnecting', `${shown} offline`));
    client.on('error', (err) => this.once?.warn('client-error', { url: shown, err: err.message }, 'Sparkplug source: MQTT client error'));
    client.on('message', (topic, payload) => this.onMessage(ctx, topic, payload));
  }

  private onMessage(ctx: SourceContext, topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    const host = this.host!;
    if (!t || !host.watches(t)) {
      this.c.ignored++;
      return;
    }
    this.c.messages++;
    let p;
    try {
      p = decodePayload(payload);
    } catch (e) {
      if (!(e instanceof SparkplugPayloadError)) throw e;
      this.c.malformed++;
      this.once!.warn(`malformed:${topic}`, { source: this.id, topic, err: e.message }, 'malformed Sparkplug payload dropped');
      return;
    }
    const now = ctx.clock.now();
    const r = host.handle(t, p, now);
    if (r.online !== undefined) this.setOnline(t, r.online, now);
    if (r.samples.length) {
      this.c.samples += r.samples.length;
      ctx.ingest(r.samples);
    }
    if (r.rebirth) this.requestRebirth(ctx, t, now);
  }

  private setOnline(t: SparkplugTopic, up: boolean, now: number): void {
    const id = `${t.group}/${t.node}${t.device ? `/${t.device}` : ''}`;
    const prev = this.online.get(id);
    this.online.set(id, { id, state: up ? 'connected' : 'disconnected', detail: t.type, since: prev && (prev.state === 'connected') === up ? prev.since : now, counters: {} });
    if (!up && t.device === undefined) {
      for (const [k, d] of this.online) if (k.startsWith(`${id}/`)) this.online.set(k, { ...d, state: 'disconnected', detail: 'NDEATH', since: now });
    }
  }

  /** NCMD `Node Control/Rebirth` = true (Sparkplug 3.0 §6.4.20), QoS 0, not retained, no seq. */
  private requestRebirth(ctx: SourceContext, t: SparkplugTopic, now: number): void {
    const key = `${t.group}/${t.node}`;
    const last = this.lastRebirth.get(key);
    if (last !== undefined && now - last < this.cfg.rebirthInterval) return;
    this.lastRebirth.set(key, now);
    this.c.rebirthRequests++;
    ctx.log.info({ source: this.id, node: key, why: t.type }, 'Sparkplug rebirth requested');
    const body = Buffer.from(encodePayload({ timestamp: now, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true, timestamp: now }] }));
    this.client?.publish(nodeTopic(t.group, 'NCMD', t.node), body, { qos: 0, retain: false });
  }

  counters(): Record<string, number> {
    return { ...this.c, ...(this.host?.c ?? {}) };
  }

  devices(): DeviceStatus[] {
    return [...this.online.values()];
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true).catch(() => undefined);
    this.ctx?.status('stopped');
  }
}
