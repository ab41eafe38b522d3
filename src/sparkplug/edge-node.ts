import mqtt, { type MqttClient } from 'mqtt';
import type { SparkplugConfig } from '../config/fleet.js';
import type { Clock } from '../core/clock.js';
import { OnceLogger, type Logger } from '../core/logger.js';
import type { Quality, SampleValue } from '../core/sample.js';
import { brokerOptions, type Will } from '../fleet/broker.js';
import type { BdSeqFile } from './bdseq.js';
import { BDSEQ, NODE_REBIRTH, type AlarmInput, type EdgeModel, type OrderInput } from './model.js';
import { decodePayload, encodePayload, SparkplugPayloadError, type Metric } from './payload.js';
import { deviceTopic, nodeTopic } from './topic.js';

export interface EdgeNodeOptions {
  cfg: SparkplugConfig;
  groupId: string;
  edgeNodeId: string;
  model: EdgeModel;
  bdSeq: BdSeqFile;
  clock: Clock;
  log: Logger;
}

export interface EdgeNodeStats {
  connected: boolean;
  /** NBIRTH and DBIRTHs are out for the current session. */
  born: boolean;
  bdSeq: number;
  sessions: number;
  births: number;
  rebirthRequests: number;
  ddata: number;
  metricsSent: number;
  malformedCommands: number;
  unsupportedCommands: number;
  unsendableSamples: number;
}

/**
 * The gateway as a Sparkplug B edge node (Sparkplug 3.0 §5): one MQTT session at a time, each
 * opened with the NDEATH as its will (QoS 1, not retained, carrying the session's bdSeq,
 * tck-id-payloads-ndeath-*); after the NCMD/DCMD subscriptions are acknowledged, NBIRTH (seq 0)
 * and one DBIRTH per asset; then DDATA per asset every `publishInterval` with the changes that
 * passed their deadbands; a rebirth (NBIRTH + DBIRTHs, same bdSeq, seq from 0) on an NCMD
 * `Node Control/Rebirth` = true or when the metric set grows; NDEATH and DISCONNECT on `stop()`
 * (tck-id-operational-behavior-edge-node-intentional-disconnect-*). Every message after NBIRTH
 * carries the next seq, 0-255 wrapping. A new MQTT session (reconnect, restart) takes the next
 * bdSeq from the data dir.
 *
 * Inputs are plain values: {@link sample}, {@link alarm}, {@link order}.
 */
export class EdgeNode {
  private client: MqttClient | undefined;
  private seq = 0;
  private bd = 0;
  private sessionUp = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly once: OnceLogger;
  private readonly s = { sessions: 0, births: 0, rebirthRequests: 0, ddata: 0, metricsSent: 0, malformedCommands: 0, unsupportedCommands: 0 };

  constructor(private readonly o: EdgeNodeOptions) {
    this.once = new OnceLogger(o.log);
  }

  private topic(type: 'NBIRTH' | 'NDEATH' | 'NCMD'): string {
    return nodeTopic(this.o.groupId, type, this.o.edgeNodeId);
  }

  private will(): Will {
    const now = this.o.clock.now();
    const payload = Buffer.from(encodePayload({ timestamp: now, metrics: [{ name: BDSEQ, type: 'UInt64', value: this.bd, timestamp: now }] }));
    return { topic: this.topic('NDEATH'), payload, qos: 1, retain: false };
  }

  /** Connects in the background (mqtt.js reconnects by itself) and starts the DDATA timer. */
  start(): void {
    const { cfg, log } = this.o;
    this.bd = this.o.bdSeq.next();
    const clientId = cfg.clientId ?? `cbm-spb-${this.o.groupId}-${this.o.edgeNodeId}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const client = mqtt.connect(cfg.url, brokerOptions(cfg, clientId, this.will()));
    this.client = client;
    client.on('connect', () => {
      this.sessionUp = true;
      this.s.sessions++;
      this.once.reset('error');
      const cmd = [this.topic('NCMD'), `${deviceTopic(this.o.groupId, 'DCMD', this.o.edgeNodeId, '+')}`];
      // Subscribe before the birth, so a rebirth request sent in reply to it is not missed.
      client.subscribe(cmd, { qos: 0 }, (err) => {
        if (err) log.error({ err: err.message }, 'Sparkplug NCMD/DCMD subscribe failed');
        else this.birth('connect');
      });
    });
    client.on('close', () => {
      this.o.model.endSession();
      if (!this.sessionUp || this.stopping) return;
      // The next session carries the next bdSeq in its will and its NBIRTH (tck-id-payloads-nbirth-bdseq-inc).
      this.sessionUp = false;
      this.bd = this.o.bdSeq.next();
      client.options.will = this.will();
    });
    client.on('error', (e) => this.once.warn('error', { url: cfg.url, err: e.message }, 'Sparkplug broker connection failed; retrying'));
    client.on('message', (topic, payload) => this.onCommand(topic, payload));
    if (cfg.publishInterval > 0) {
      this.timer = setInterval(() => this.flush(), cfg.publishInterval);
      this.timer.unref();
    }
  }

  private publish(topic: string, metrics: Metric[], seq: number | undefined): void {
    const body = Buffer.from(encodePayload({ timestamp: this.o.clock.now(), seq, metrics }));
    // QoS 0, not retained: every Sparkplug message but NDEATH (tck-id-payloads-*-qos, -retain).
    this.client?.publish(topic, body, { qos: 0, retain: false });
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  /** NBIRTH with seq 0, then every DBIRTH (tck-id-payloads-dbirth-order), then DDATA may flow. */
  private birth(why: string): void {
    const c = this.client;
    if (!c?.connected || this.stopping) return;
    const { model, clock } = this.o;
    model.endSession();
    const now = clock.now();
    this.seq = 0;
    this.publish(this.topic('NBIRTH'), model.nodeBirth(now, this.bd), this.nextSeq());
    for (const id of model.deviceIds) this.publish(deviceTopic(this.o.groupId, 'DBIRTH', this.o.edgeNodeId, id), model.deviceBirth(id, now), this.nextSeq());
    model.live = true;
    this.s.births++;
    this.o.log.info({ group: this.o.groupId, node: this.o.edgeNodeId, bdSeq: this.bd, devices: model.deviceIds.length, why }, 'Sparkplug birth published');
  }

  private onCommand(topic: string, payload: Buffer): void {
    if (topic !== this.topic('NCMD')) {
      // DCMD: writes to tags are not supported (the gateway monitors; it does not control).
      this.s.unsupportedCommands++;
      this.once.warn(`dcmd:${topic}`, { topic }, 'Sparkplug DCMD ignored: this edge node accepts no writes');
      return;
    }
    let metrics: Metric[];
    try {
      metrics = decodePayload(payload).metrics;
    } catch (e) {
      if (!(e instanceof SparkplugPayloadError)) throw e;
      this.s.malformedCommands++;
      this.once.warn('ncmd-malformed', { topic, err: e.message }, 'malformed Sparkplug NCMD dropped');
      return;
    }
    for (const m of metrics) {
      const isRebirth = m.name === NODE_REBIRTH || (m.name === undefined && m.alias === this.o.model.nodeAliases.rebirth);
      if (isRebirth && m.value === true) {
        this.s.rebirthRequests++;
        this.flush(); // changes made before the request still go out, in order
        this.birth('rebirth requested');
      } else if (!isRebirth) {
        this.s.unsupportedCommands++;
        this.once.warn(`ncmd:${m.name ?? m.alias}`, { topic, metric: m.name ?? m.alias }, 'Sparkplug NCMD metric not supported; ignored');
      }
    }
  }

  /** Publishes the queued changes: one DDATA per asset that has some. */
  flush(): void {
    const { model } = this.o;
    if (!model.live || model.pendingCount === 0 || !this.client?.connected) return;
    for (const { device, metrics } of model.takeData()) {
      this.publish(deviceTopic(this.o.groupId, 'DDATA', this.o.edgeNodeId, device), metrics, this.nextSeq());
      this.s.ddata++;
      this.s.metricsSent += metrics.length;
    }
  }

  private changed(): void {
    const { model, cfg } = this.o;
    if (model.pendingCount >= cfg.maxBatch) this.flush();
    else if (cfg.publishInterval === 0 && !this.immediate) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
    }
  }

  /** An accepted sample, by catalog index. Cheap when it does not pass the deadband. */
  sample(index: number, ts: number, value: SampleValue, quality: Quality): void {
    if (this.o.model.sample(index, ts, value, quality)) this.changed();
  }

  alarm(a: AlarmInput): void {
    const r = this.o.model.alarm(a);
    if (r === 'queued') this.changed();
    else if (r === 'rebirth' && this.o.model.live) {
      // A new rule instance adds metrics; hosts learn metrics only from births.
      this.flush();
      this.birth(`new alarm metrics (${a.ruleId} on ${a.assetId})`);
    }
  }

  order(o: OrderInput): void {
    if (this.o.model.order(o)) this.changed();
  }

  stats(): EdgeNodeStats {
    return { connected: this.client?.connected ?? false, born: this.o.model.live, bdSeq: this.bd, ...this.s, unsendableSamples: this.o.model.unsendable };
  }

  /**
   * Publishes what is queued, then the NDEATH (QoS 1, waiting at most `timeoutMs` for the PUBACK)
   * and a DISCONNECT, so hosts learn at once and the broker drops the will.
   */
  async stop(timeoutMs = 2000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    const c = this.client;
    if (!c) return;
    if (c.connected) {
      this.flush();
      const w = this.will();
      const sent = new Promise<void>((r) => c.publish(w.topic, w.payload, { qos: 1, retain: false }, () => r()));
      await Promise.race([sent, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.client = undefined;
    this.o.model.endSession();
    await c.endAsync(!c.connected).catch(() => undefined);
  }
}
