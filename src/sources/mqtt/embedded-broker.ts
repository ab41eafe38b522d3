import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../../core/logger.js';
import { installFastPublish, type PacketParser } from './fast-publish.js';
import { skipNumberCache } from './packet-writer.js';

export type PublishHook = (topic: string, payload: Buffer) => void;
/** Calls back once what was ingested is committed. */
export type DurableHook = (cb: () => void) => void;

/**
 * The embedded MQTT 3.1.1 broker (aedes). Sensors publish to it over TCP; every publish from a
 * client reaches `onPublish` in-process (no loopback client), and a QoS 1 publish is acknowledged
 * only after what it caused (alarm, work order) is committed.
 */
export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly log: Logger,
  ) {}

  async start(onPublish: PublishHook, whenDurable: DurableHook = (cb) => cb()): Promise<number> {
    const aedes = await Aedes.createBroker({
      // aedes writes a QoS 1 PUBACK before it publishes (lib/handlers/publish.js), so the last hook
      // before the acknowledgement is authorizePublish: ingest there, and let the publish (and its
      // PUBACK) go on only once what it caused is committed. [MQTT-4.3.2-2]: after the PUBACK the
      // sensor may forget the message.
      authorizePublish: (client, packet, done) => {
        if (!client || typeof packet.topic !== 'string' || packet.topic.startsWith('$')) return done(null);
        try {
          onPublish(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
        } catch (e) {
          this.log.error({ err: (e as Error).message, topic: packet.topic }, 'ingest failed for a published message');
        }
        if (packet.qos > 0) whenDurable(() => done(null));
        else done(null);
      },
    });
    aedes.on('clientError', (client, err) => this.log.debug({ client: client.id, err: err.message }, 'MQTT client error'));
    skipFanOutUntilSubscribed(aedes);
    skipNumberCache();
    this.aedes = aedes;
    const server = createServer((socket) => {
      // aedes parses with mqtt-packet; PUBLISH packets take the faster path (fast-publish.ts).
      const client = aedes.handle(socket) as unknown as { _parser?: PacketParser };
      if (client._parser) installFastPublish(client._parser);
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

function skipFanOutUntilSubscribed(aedes: Aedes): void {
  let subscribed = false;
  const subscribe = aedes.subscribe.bind(aedes);
  aedes.subscribe = (topic, func, done) => {
    if (!topic.startsWith('$')) subscribed = true;
    subscribe(topic, func, done);
  };
  // aedes's message bus (mqemitter), not in its typings.
  const mq = (aedes as unknown as { mq: MqEmitter }).mq;
  const emit = mq.emit.bind(mq);
  mq.emit = (packet, cb) => {
    if (subscribed || packet.topic.startsWith('$')) return emit(packet, cb);
    cb?.();
    return mq;
  };
}
