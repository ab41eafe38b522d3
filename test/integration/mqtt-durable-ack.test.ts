import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { EmbeddedBroker } from '../../src/sources/mqtt/embedded-broker.js';

/**
 * [MQTT-4.3.2-2]: once the sender has the PUBACK it may forget the message. The embedded broker
 * therefore acknowledges a QoS 1 publish only when the pipeline says what it caused is committed.
 */
describe('embedded broker acknowledges QoS 1 after the commit', () => {
  const broker = new EmbeddedBroker('127.0.0.1', 0, silentLogger);
  let client: mqtt.MqttClient | undefined;
  afterAll(async () => {
    await client?.endAsync(true);
    await broker.stop();
  });

  it('holds the PUBACK until whenDurable calls back; QoS 0 is not held', async () => {
    const seen: string[] = [];
    const waiting: (() => void)[] = [];
    const port = await broker.start(
      (topic) => seen.push(topic),
      (cb) => waiting.push(cb),
    );
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    let acked = false;
    const pub = client.publishAsync('p/p-1/t', '90', { qos: 1 }).then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(['p/p-1/t']); // ingested…
    expect(acked).toBe(false); // …but not acknowledged while the commit is pending
    expect(waiting).toHaveLength(1);
    waiting.shift()!();
    await pub;
    expect(acked).toBe(true);
    await client.publishAsync('p/p-1/t', '91', { qos: 0 });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(2);
    expect(waiting).toHaveLength(0);
  });
});
