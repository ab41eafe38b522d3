import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';

export interface MqttOrder {
  key: string;
  topic: string;
  body: Record<string, unknown>;
  receivedAt: number;
  /** `work_order.updated` events applied to it, in the order received. */
  updates: Record<string, unknown>[];
}

/**
 * What a CMMS consuming cbm-gateway's MQTT work orders must do: treat each message as "at least
 * once" and keep one order per `idempotencyKey` in the payload, counting replays; apply each
 * `work_order.updated` message (on the order's topic plus `/updates`) once per its own
 * `idempotencyKey` to the order its `orderIdempotencyKey` names. MQTT orders messages per topic
 * only, so an update that arrives before its order waits for it (`orphans` counts those waiting).
 */
export class OrderInbox {
  readonly orders = new Map<string, MqttOrder>();
  /** Updates by their own key (applied or waiting). */
  readonly updates = new Map<string, Record<string, unknown>>();
  /** Updates whose order has not arrived, by the order's key. */
  private readonly waiting = new Map<string, Record<string, unknown>[]>();
  messages = 0;
  replays = 0;
  malformed = 0;

  /** Updates held because their order is unknown (so far). */
  get orphans(): number {
    let n = 0;
    for (const list of this.waiting.values()) n += list.length;
    return n;
  }

  accept(topic: string, payload: Buffer | string): 'new' | 'replay' | 'malformed' | 'update' | 'orphan' {
    this.messages++;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      this.malformed++;
      return 'malformed';
    }
    const key = body.idempotencyKey;
    if (typeof key !== 'string' || !key) {
      this.malformed++;
      return 'malformed';
    }
    if (body.event === 'work_order.updated') return this.update(key, body);
    if (this.orders.has(key)) {
      this.replays++;
      return 'replay';
    }
    const order: MqttOrder = { key, topic, body, receivedAt: Date.now(), updates: [] };
    this.orders.set(key, order);
    for (const u of this.waiting.get(key) ?? []) order.updates.push(u);
    this.waiting.delete(key);
    return 'new';
  }

  private update(key: string, body: Record<string, unknown>): 'update' | 'orphan' | 'replay' | 'malformed' {
    const orderKey = body.orderIdempotencyKey;
    if (typeof orderKey !== 'string' || !orderKey) {
      this.malformed++;
      return 'malformed';
    }
    if (this.updates.has(key)) {
      this.replays++;
      return 'replay';
    }
    this.updates.set(key, body);
    const order = this.orders.get(orderKey);
    if (order) {
      order.updates.push(body);
      return 'update';
    }
    this.waiting.set(orderKey, [...(this.waiting.get(orderKey) ?? []), body]);
    return 'orphan';
  }
}

/**
 * A central broker with a CMMS behind it, in one process (aedes): it authenticates with an
 * optional username/password (CONNACK 4 "bad user name or password" otherwise [MQTT-3.2.2.3]),
 * hands each QoS 1 publish on `cmms/#` (orders and their updates) to an `OrderInbox` before the
 * PUBACK is sent, and can lose the PUBACK: `loseNext()` takes the next message, then drops the
 * client's connection unanswered.
 */
export class MqttReceiverSim {
  readonly inbox = new OrderInbox();
  port = 0;
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private losses = 0;

  constructor(private readonly o: { username?: string; password?: string; topicPrefix?: string } = {}) {}

  get count(): number {
    return this.inbox.orders.size;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  loseNext(n = 1): void {
    this.losses = n;
  }

  async start(port = 0): Promise<number> {
    const prefix = this.o.topicPrefix ?? 'cmms/';
    const aedes = await Aedes.createBroker({
      authenticate: (_client, username, password, done) => {
        if (this.o.username === undefined || (username === this.o.username && password?.toString() === this.o.password)) return done(null, true);
        const e = new Error('bad user name or password') as AuthenticateError;
        (e as { returnCode: number }).returnCode = 4;
        done(e, null);
      },
      published: (packet, client, done) => {
        if (client && typeof packet.topic === 'string' && packet.topic.startsWith(prefix)) {
          this.inbox.accept(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
          if (this.losses > 0) {
            this.losses--;
            client.conn.destroy();
          }
        }
        done();
      },
    });
    aedes.on('clientError', () => {});
    this.aedes = aedes;
    const server = createServer(aedes.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : port;
    return this.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    const a = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    if (a) await new Promise<void>((r) => a.close(() => r()));
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
