import mqtt, { type MqttClient } from 'mqtt';
import { OnceLogger } from '../../core/logger.js';
import { redactUrl } from '../../core/redact.js';
import type { Sample } from '../../core/sample.js';
import type { MqttSourceConfig } from '../../config/schema.js';
import type { DeviceStatus, Source, SourceContext } from '../source.js';
import { fastParserOptions } from './aedes-internals.js';
import { brokerOptions } from './broker-config.js';
import { clientTls } from './client-tls.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { skipNumberCache } from '../../core/mqtt-packet-writer.js';
import { decodePayload, PayloadError } from './payload.js';
import { TopicRouter, type Route } from './topics.js';

/**
 * MQTT telemetry: an embedded broker for sensors to publish to, and/or a client of the plant's
 * broker (mqtt.js, which reconnects by itself every `reconnectPeriod`). Both paths share one
 * topic router and payload decoder.
 */
export class MqttSource implements Source {
  readonly type = 'mqtt';
  readonly id: string;
  private readonly router: TopicRouter;
  private broker: EmbeddedBroker | undefined;
  private client: MqttClient | undefined;
  private ctx: SourceContext | undefined;
  private once: OnceLogger | undefined;
  private readonly c = { messages: 0, samples: 0, malformed: 0, unmatched: 0 };
  private readonly buf: Sample[] = [];
  /** Port the embedded broker listens on (resolved when configured as 0). */
  brokerPort: number | undefined;

  constructor(private readonly cfg: MqttSourceConfig) {
    this.id = cfg.id;
    this.router = new TopicRouter(cfg.topics);
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    if (ctx.tagIndex) this.router.resolve = (key) => ctx.tagIndex!(key);
    this.once = new OnceLogger(ctx.log);
    ctx.status('starting');
    if (this.cfg.broker?.enabled) {
      const b = this.cfg.broker;
      // The broker's read timeout and message rate run on the system clock, not ctx.clock: they
      // measure time on the wire, which a test's manual clock for the plant does not move.
      this.broker = new EmbeddedBroker(b.host, b.port, ctx.log, brokerOptions(b, ctx.dataDir, `sources[id=${this.id}].broker`));
      this.brokerPort = await this.broker.start(
        (topic, payload) => this.onMessage(topic, payload),
        (cb) => ctx.whenDurable(cb),
        {
          resolve: (topic) => this.router.route(topic),
          ingest: (route, payload, read, start, end) => {
            if (this.ctx) this.deliver(route, undefined, payload, read, start, end);
          },
        },
      );
    }
    if (this.cfg.url) this.connectClient(ctx, this.cfg.url);
    else ctx.status('connected', `embedded broker on ${this.cfg.broker?.host}:${this.brokerPort}`);
  }

  private connectClient(ctx: SourceContext, url: string): void {
    skipNumberCache();
    const shown = redactUrl(url); // what status and log say: no credentials
    // The client's parser takes the PUBLISH fast path (fast-publish.ts).
    const client = mqtt.connect(url, fastParserOptions({
      ...clientTls(this.cfg, ctx.dataDir),
      // mqtt.js logs each packet through `debug` (a measurable cost at 10^5 messages/s, even
      // when disabled): keep it only when asked for with DEBUG=mqttjs*.
      log: /mqttjs/.test(process.env.DEBUG ?? '') ? undefined : () => undefined,
      clientId: this.cfg.clientId ?? `cbm-gateway-${this.id}-${process.pid}`,
      username: this.cfg.username,
      password: this.cfg.password,
      reconnectPeriod: this.cfg.reconnectPeriod,
      connectTimeout: 10_000,
      // A persistent session (clean=false with a fixed client id) lets the broker queue QoS 1 while we are away.
      clean: this.cfg.clientId === undefined,
      // QoS 1: ingest first, PUBACK only once the alarm and work order it caused are committed, so
      // the plant broker redelivers what a crash interrupted.
      customHandleAcks: (topic, message, packet, done) => {
        if (packet.qos === 1) {
          acked.add(packet);
          this.onMessage(topic, message);
          ctx.whenDurable(() => done(0));
        } else done(0);
      },
    }));
    const acked = new WeakSet<object>();
    this.client = client;
    client.on('connect', () => {
      ctx.status('connected', shown);
      this.once?.reset('client-error');
      const filters = this.router.filters;
      client.subscribe(filters, { qos: this.cfg.qos }, (err) => {
        if (err) ctx.log.error({ err: err.message, filters }, 'MQTT subscribe failed');
      });
    });
    client.on('reconnect', () => ctx.status('reconnecting', shown));
    client.on('offline', () => ctx.status('reconnecting', `${shown} offline`));
    client.on('error', (err) => this.once?.warn('client-error', { url: shown, err: err.message }, 'MQTT client error'));
    client.on('message', (topic, payload, packet) => {
      if (!acked.has(packet)) this.onMessage(topic, payload);
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (this.ctx) this.deliver(this.router.route(topic), topic, payload, undefined, 0, 0);
  }

  /** Decodes and ingests a message; `topic`, when not given, is made from `read[start, end)` for a warning. */
  private deliver(route: Route | null, topic: string | undefined, payload: Buffer, read: Buffer | undefined, start: number, end: number): void {
    const ctx = this.ctx!;
    this.c.messages++;
    if (!route) {
      topic ??= read!.toString('utf8', start, end);
      this.c.unmatched++;
      this.once!.warn(`unmatched:${topic}`, { source: this.id, topic }, 'topic matches no mapping; ignored');
      return;
    }
    const out = this.buf;
    out.length = 0;
    try {
      decodePayload(route, payload, ctx.clock.now(), out);
    } catch (e) {
      if (!(e instanceof PayloadError)) throw e;
      this.c.malformed++;
      topic ??= read!.toString('utf8', start, end);
      const what = out.length === 0 ? 'malformed payload dropped' : 'payload partly unusable (counted); the usable part ingested';
      this.once!.warn(`malformed:${topic}`, { source: this.id, topic, err: e.message, payload: payload.subarray(0, 80).toString('utf8') }, what);
      if (out.length === 0) return;
    }
    this.c.samples += out.length;
    ctx.ingest(out);
  }

  counters(): Record<string, number> {
    const r = this.broker?.refusals.totals;
    const refused: Record<string, number> = r ? { refusedConnects: r.connect + r.connection, refusedPublishes: r.publish, refusedSubscribes: r.subscribe, refusedPackets: r.packet, rateLimited: r.rate } : {};
    return { ...this.c, clients: this.broker?.clients ?? 0, ...refused };
  }

  /** The embedded broker's clients that were refused something, with their counts. */
  devices(): DeviceStatus[] {
    const broker = this.broker;
    return (broker?.refusals.clients() ?? []).map(([id, c]) => ({
      id,
      state: broker!.isConnected(id) ? ('connected' as const) : ('disconnected' as const),
      detail: 'refused by the embedded broker',
      since: 0,
      counters: { refusedConnects: c.connect + c.connection, refusedPublishes: c.publish, refusedSubscribes: c.subscribe, refusedPackets: c.packet, rateLimited: c.rate },
    }));
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true).catch(() => undefined);
    await this.broker?.stop();
    this.broker = undefined;
    this.ctx?.status('stopped');
  }
}
