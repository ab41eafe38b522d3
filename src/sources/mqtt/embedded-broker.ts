import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../../core/logger.js';

export type PublishHook = (topic: string, payload: Buffer) => void;

/**
 * The embedded MQTT 3.1.1 broker (aedes). Sensors publish to it over TCP; every publish from a
 * client reaches `onPublish` in-process, before the broker acknowledges a QoS 1 message, so
 * ingest costs no loopback client and an acknowledged sample has already been processed.
 */
export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly log: Logger,
  ) {}

  async start(onPublish: PublishHook): Promise<number> {
    const aedes = await Aedes.createBroker({
      published: (packet, client, done) => {
        // `client` is null for the broker's own $SYS messages; only client publishes are telemetry.
        if (client && typeof packet.topic === 'string' && !packet.topic.startsWith('$')) {
          try {
            onPublish(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
          } catch (e) {
            this.log.error({ err: (e as Error).message, topic: packet.topic }, 'ingest failed for a published message');
          }
        }
        done();
      },
    });
    aedes.on('clientError', (client, err) => this.log.debug({ client: client.id, err: err.message }, 'MQTT client error'));
    this.aedes = aedes;
    const server = createServer(aedes.handle);
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
