import mqtt from 'mqtt';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { EmbeddedBroker } from '../../src/sources/mqtt/embedded-broker.js';

// As if aedes had moved an internal the fast path needs: every client handed to the adapter lacks
// `_keepaliveTimer`.
vi.mock('../../src/sources/mqtt/aedes-internals.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/sources/mqtt/aedes-internals.js')>();
  return {
    ...real,
    hookConnection: (...args: Parameters<typeof real.hookConnection>) => {
      delete (args[0] as unknown as Record<string, unknown>)._keepaliveTimer;
      return real.hookConnection(...args);
    },
  };
});

describe('embedded broker when an aedes internal has moved', () => {
  const warnings: [object, string | undefined][] = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (o, m) => warnings.push([o, m]), child: () => log };
  const broker = new EmbeddedBroker('127.0.0.1', 0, log);
  const clients: mqtt.MqttClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await broker.stop();
  });

  it('serves every publish through aedes, and says so once', async () => {
    const got: string[] = [];
    const port = await broker.start(
      (topic, payload) => got.push(`aedes ${topic}=${payload.toString('utf8')}`),
      undefined,
      { resolve: (topic) => topic, ingest: (topic, payload) => got.push(`lane ${topic}=${payload.toString('utf8')}`) },
    );
    for (const id of ['s1', 's2']) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: id });
      clients.push(c);
      for (const v of ['1', '2', '3']) await c.publishAsync(`plant/${id}/t`, v, { qos: 0 });
      await c.publishAsync(`plant/${id}/t`, 'last', { qos: 1 });
    }
    expect(got).toEqual(['s1', 's2'].flatMap((id) => ['1', '2', '3', 'last'].map((v) => `aedes plant/${id}/t=${v}`)));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('Client._keepaliveTimer moved');
  });
});
