import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { EmbeddedBroker } from '../../src/sources/mqtt/embedded-broker.js';
import { emittedFramed, mqttPacket, RUNS, stream } from '../unit/sources/mqtt-fuzz-streams.js';

/**
 * The fuzzed streams (test/unit/sources/mqtt-fast-publish.fuzz.test.ts) over real connections to
 * the embedded broker, after a valid CONNECT: wherever mqtt-packet refuses the stream, the broker
 * closes the connection, and the broker survives every stream. A connection each: a few hundred cases.
 */
describe('embedded broker fuzzed over sockets', () => {
  const broker = new EmbeddedBroker('127.0.0.1', 0, silentLogger, { readTimeout: 2000 });
  afterAll(() => broker.stop());
  const CASES = Math.max(50, Math.ceil(RUNS / 15));

  /** Sends `bytes` after CONNECT; resolves true when the broker closes the connection within `ms`. */
  function closes(port: number, bytes: Buffer, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1');
      const t = setTimeout(() => {
        sock.destroy();
        resolve(false);
      }, ms);
      sock.on('error', () => undefined);
      sock.on('close', () => {
        clearTimeout(t);
        resolve(true);
      });
      sock.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'fuzz', clean: true, keepalive: 0 }));
      sock.once('data', () => sock.write(bytes));
    });
  }

  it(`closes the connection on every stream mqtt-packet refuses (${CASES} cases)`, async () => {
    const port = await broker.start(() => undefined);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(stream, async (s) => {
        const refuses = emittedFramed(s).at(-1)?.startsWith('error:') ?? false;
        if (!refuses) return;
        refused++;
        expect(await closes(port, s, 5000)).toBe(true);
      }),
      { numRuns: CASES },
    );
    process.stdout.write(`fuzz: ${CASES} streams over sockets, ${refused} refused by mqtt-packet and closed by the broker\n`);
    expect(refused).toBeGreaterThan(CASES / 10);
    // Still serving.
    expect(await closes(port, mqttPacket.generate({ cmd: 'pingreq' }), 300)).toBe(false);
  }, 120_000);
});
