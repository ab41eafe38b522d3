import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { TargetConfig } from '../../config/schema.js';
import { CbmError, errorMessage } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';
import type { WorkOrder } from '../model.js';
import type { UpdateRef, WorkOrderTarget } from '../target.js';
import type { OrderUpdate } from '../update.js';
import { skipNumberCache } from '../../core/mqtt-packet-writer.js';

export type MqttTargetConfig = Extract<TargetConfig, { type: 'mqtt' }>;

/**
 * CONNACK refusals that no retry can fix: MQTT 3.1.1 return codes 4 "bad user name or password"
 * and 5 "not authorized" [MQTT-3.2.2.3]; MQTT 5 reason codes 0x86, 0x87, 0x8C.
 */
const AUTH_CODES = new Set([4, 5, 0x86, 0x87, 0x8c]);

function isAuthRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' && AUTH_CODES.has(code);
}

export function renderTopic(template: string, o: WorkOrder): string {
  const vars: Record<string, string> = {
    site: o.site.id,
    asset: o.asset.id,
    gateway: o.gatewayId,
    type: o.type,
    priority: String(o.priority),
    rule: o.rule.id,
  };
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

/**
 * Publishes the work order JSON (exactly the webhook's body) to a central broker with QoS 1;
 * `send` resolves when the broker's PUBACK arrives [MQTT-4.3.2], i.e. the broker owns it.
 *
 * MQTT has no way to ask "do you already have this order?", so this target cannot look up before
 * sending. A retry after a lost PUBACK publishes again (and MQTT itself may redeliver with DUP
 * set [MQTT-4.3.2-1]): delivery is at least once, and the receiver deduplicates by the payload's
 * `idempotencyKey`, as `simulators/cmms/mqtt-receiver.ts` does.
 *
 * `update` publishes the update JSON (exactly the webhook's `work_order.updated` body) on the
 * order's topic plus `/updates`, with the same QoS 1 and retain flag (a consumer subscribed to
 * `cmms/#` gets both). The dispatcher publishes an update only after its order's PUBACK, so the
 * broker has the order first; MQTT orders messages per topic only [MQTT-4.6.0-6], so a consumer
 * that gets an update before its order keeps it until the order arrives. The consumer applies an
 * update once per its `idempotencyKey`; MQTT cannot tell us that an order is unknown.
 *
 * The connection is opened on the first send and kept; mqtt.js reconnects it after a drop. When
 * it is down, `send` fails at once as unavailable rather than queueing behind the outbox's back.
 */
export class MqttTarget implements WorkOrderTarget {
  readonly type = 'mqtt';
  readonly id: string;
  private client: MqttClient | undefined;
  private lastError: Error | undefined;
  private readonly clientId: string;
  /** The URL as errors name it: credentials in it masked. */
  private readonly shownUrl: string;

  constructor(private readonly cfg: MqttTargetConfig) {
    this.id = cfg.id;
    this.shownUrl = redactUrl(cfg.url);
    this.clientId = cfg.clientId ?? `cbm-${cfg.id}-${randomBytes(4).toString('hex')}`;
  }

  private options(): IClientOptions {
    const o: IClientOptions = {
      clientId: this.clientId,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: this.cfg.connectTimeout,
      rejectUnauthorized: this.cfg.rejectUnauthorized,
    };
    if (this.cfg.username !== undefined) o.username = this.cfg.username;
    if (this.cfg.password !== undefined) o.password = this.cfg.password;
    if (this.cfg.caFile) o.ca = readFileSync(this.cfg.caFile);
    return o;
  }

  /** The connected client; the first call connects, waiting at most `connectTimeout`. */
  private async connected(): Promise<MqttClient> {
    const c = this.client;
    if (c?.connected) return c;
    if (c && !c.disconnected && c.reconnecting) {
      const last = this.lastError;
      if (last && isAuthRefusal(last)) throw this.refused(last);
      throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', `mqtt ${this.id}: ${this.shownUrl} is not connected (reconnecting${last ? `: ${errorMessage(last)}` : ''})`);
    }
    c?.end(true);
    this.client = undefined;
    skipNumberCache();
    const client = mqtt.connect(this.cfg.url, this.options());
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no CONNACK within ${this.cfg.connectTimeout} ms`)), this.cfg.connectTimeout);
        client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        client.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
    } catch (e) {
      client.end(true);
      if (isAuthRefusal(e)) throw this.refused(e);
      throw new CbmError('CBM_ERR_TARGET_UNAVAILABLE', `mqtt ${this.id}: ${this.shownUrl}: ${errorMessage(e)}`, { cause: e });
    }
    // Later errors (while mqtt.js reconnects) are kept for the next send's message, never thrown.
    this.lastError = undefined;
    client.on('error', (e) => (this.lastError = e));
    client.on('connect', () => (this.lastError = undefined));
    this.client = client;
    return client;
  }

  private refused(e: unknown): CbmError {
    return new CbmError('CBM_ERR_TARGET_REJECTED', `mqtt ${this.id}: ${this.shownUrl} refused the connection: ${errorMessage(e)} (check username/password and the broker's ACL)`, { cause: e });
  }

  async send(order: WorkOrder, signal: AbortSignal): Promise<{ externalId: string | undefined }> {
    await this.publish(renderTopic(this.cfg.topic, order), JSON.stringify(order), signal);
    // The broker assigns no id: the key is the receiver's handle on the order.
    return { externalId: undefined };
  }

  async update(u: OrderUpdate, ref: UpdateRef, signal: AbortSignal): Promise<void> {
    await this.publish(`${renderTopic(this.cfg.topic, ref.order)}/updates`, JSON.stringify(u), signal);
  }

  /** One QoS 1 publish, resolved on its PUBACK; fails as unavailable or timed out, never hangs past `timeout`. */
  private async publish(topic: string, payload: string, signal: AbortSignal): Promise<void> {
    const client = await this.connected();
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.cfg.timeout)]);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        reject(
          signal.aborted
            ? new CbmError('CBM_ERR_TARGET_UNAVAILABLE', `mqtt ${this.id}: send aborted`)
            : new CbmError('CBM_ERR_TARGET_TIMEOUT', `mqtt ${this.id}: no PUBACK for ${topic} within ${this.cfg.timeout} ms`),
        );
      };
      if (deadline.aborted) return onAbort();
      deadline.addEventListener('abort', onAbort, { once: true });
      client.publishAsync(topic, payload, { qos: 1, retain: this.cfg.retain }).then(
        () => {
          deadline.removeEventListener('abort', onAbort);
          resolve();
        },
        (e: unknown) => {
          deadline.removeEventListener('abort', onAbort);
          reject(new CbmError('CBM_ERR_TARGET_UNAVAILABLE', `mqtt ${this.id}: publish to ${topic} failed: ${errorMessage(e)}`, { cause: e }));
        },
      );
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true).catch(() => undefined);
  }
}
