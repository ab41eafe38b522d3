import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../../core/logger.js';
import { installFastPublish, type PacketParser } from './fast-publish.js';
import { skipNumberCache } from '../../core/mqtt-packet-writer.js';

export type PublishHook = (topic: string, payload: Buffer) => void;
/** {@link PublishHook} with the topic as the UTF-8 bytes `read[topicStart, topicEnd)` of a socket read. */
export type RawPublishHook = (read: Buffer, topicStart: number, topicEnd: number, payload: Buffer) => void;
/** Calls back once what was ingested is committed. */
export type DurableHook = (cb: () => void) => void;

/**
 * The embedded MQTT 3.1.1 broker (aedes). Sensors publish to it over TCP; every publish from a
 * client reaches `onPublish` in-process (no loopback client), and a QoS 1 publish is acknowledged
 * only after what it caused (alarm, work order) is committed.
 *
 * A sensor's plain QoS 0 publish (not retained, a topic aedes accepts), while nobody subscribes
 * to sensor topics, goes from the read path straight to `onPublish`: aedes would do nothing else
 * with it but run its per-publish machinery (two callback series, a packet copy, its 'publish'
 * event, which nothing here listens to). Measured at 225,000 msg/s of one sample each: 1,279 →
 * 481 bytes allocated per message, 67-77 % → 52-63 % of the gateway's core. Everything else goes
 * through aedes, in the order it was sent.
 */
export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly log: Logger,
  ) {}

  /** `onRawPublish`, when given, takes what the QoS 0 lane ingests, without a topic string made for it. */
  async start(onPublish: PublishHook, whenDurable: DurableHook = (cb) => cb(), onRawPublish?: RawPublishHook): Promise<number> {
    const failed = (e: unknown, topic: string) => this.log.error({ err: (e as Error).message, topic }, 'ingest failed for a published message');
    const ingest = (topic: string, payload: Buffer) => {
      try {
        onPublish(topic, payload);
      } catch (e) {
        failed(e, topic);
      }
    };
    const ingestRaw: RawPublishHook = onRawPublish
      ? (read, s, e, payload) => {
          try {
            onRawPublish(read, s, e, payload);
          } catch (err) {
            failed(err, read.toString('utf8', s, e));
          }
        }
      : (read, s, e, payload) => ingest(read.toString('utf8', s, e), payload);
    const aedes = await Aedes.createBroker({
      maxTopicLevels: MAX_TOPIC_LEVELS,
      // aedes writes a QoS 1 PUBACK before it publishes (lib/handlers/publish.js), so the last hook
      // before the acknowledgement is authorizePublish: ingest there, and let the publish (and its
      // PUBACK) go on only once what it caused is committed. [MQTT-4.3.2-2]: after the PUBACK the
      // sensor may forget the message.
      authorizePublish: (client, packet, done) => {
        if (!client || typeof packet.topic !== 'string' || packet.topic.startsWith('$')) return done(null);
        ingest(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
        if (packet.qos > 0) whenDurable(() => done(null));
        else done(null);
      },
    });
    aedes.on('clientError', (client, err) => this.log.debug({ client: client.id, err: err.message }, 'MQTT client error'));
    const fanOut = skipFanOutUntilSubscribed(aedes);
    skipNumberCache();
    this.aedes = aedes;
    const server = createServer((socket) => {
      // aedes parses with mqtt-packet; PUBLISH packets take the faster path (fast-publish.ts).
      const client = aedes.handle(socket) as unknown as AedesClientInternals;
      const parser = client._parser;
      if (!parser) return;
      installFastPublish(parser, (read, s, e, payload) => {
        if (fanOut.subscribed || !client.connackSent || parser._queue !== null || client.conn.destroyed || !plainTopic(read, s, e)) return false;
        // What aedes does for every packet it handles (lib/handlers/index.js).
        if (client._keepaliveInterval > 0) client._keepaliveTimer?.refresh();
        ingestRaw(read, s, e, payload);
        return true;
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.port;
    this.log.info({ host: this.host, port }, 'embedded MQTT broker listening');
    return port;
  }

  get clients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

/**
 * aedes's limit on topic levels, set here so the QoS 0 lane applies the same one (aedes refuses
 * deeper topics: its topic tries cannot hold them).
 */
const MAX_TOPIC_LEVELS = 100;

/**
 * What the QoS 0 lane reads of an aedes client (not in its typings): aedes queues what a client
 * sends before its CONNACK went out (`_parser._queue`, null once replayed), destroys the socket
 * at once on a protocol error (and ignores the rest of that read), and refreshes the keep-alive
 * timer for every packet.
 */
interface AedesClientInternals {
  _parser?: PacketParser & { _queue: unknown[] | null };
  conn: { destroyed: boolean };
  connackSent: boolean;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
}

/**
 * A topic (UTF-8 bytes `b[start, end)`) aedes would publish without a word: not empty, no
 * wildcard, not `$SYS`, at most {@link MAX_TOPIC_LEVELS} levels. Anything else goes aedes's way,
 * which refuses it as before. (`/`, `+`, `#` and `$` are single bytes that UTF-8 never uses
 * inside another character, so the bytes tell what the string would.)
 */
function plainTopic(b: Buffer, start: number, end: number): boolean {
  if (start === end || b[start] === 0x24) return false;
  let levels = 1;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x2f) levels++;
    else if (c === 0x2b || c === 0x23) return false;
  }
  return levels <= MAX_TOPIC_LEVELS;
}

/**
 * Until a client subscribes to a topic outside `$SYS`, no subscriber can receive what sensors
 * publish (filters starting with `#` or `+` do not match `$` topics [MQTT-4.7.2-1]), so aedes's
 * fan-out (a topic-trie match and a parallel dispatch per message) is skipped. Everything else a
 * publish does still happens: retained messages are stored, QoS 1/2 messages are queued for
 * offline persistent sessions, `published` hooks run. Once a client subscribes, every publish
 * fans out again, for good (no count of unsubscriptions to get wrong).
 */
interface MqEmitter {
  emit(packet: { topic: string }, cb?: (err?: Error) => void): MqEmitter;
}

function skipFanOutUntilSubscribed(aedes: Aedes): { readonly subscribed: boolean } {
  const state = { subscribed: false };
  const subscribe = aedes.subscribe.bind(aedes);
  aedes.subscribe = (topic, func, done) => {
    if (!topic.startsWith('$')) state.subscribed = true;
    subscribe(topic, func, done);
  };
  // aedes's message bus (mqemitter), not in its typings.
  const mq = (aedes as unknown as { mq: MqEmitter }).mq;
  const emit = mq.emit.bind(mq);
  mq.emit = (packet, cb) => {
    if (state.subscribed || packet.topic.startsWith('$')) return emit(packet, cb);
    cb?.();
    return mq;
  };
  return state;
}
