import mqtt, { type MqttClient } from 'mqtt';
import type { Value } from '../plant/machine.js';

/**
 * Publishes like a sensor gateway or a PLC's MQTT module: JSON telemetry, `[{ "ts": <ms>,
 * "<tag>": v, … }, …]` on `<prefix>/<asset>/telemetry` (an array when several samples are due
 * at once), and bare values, `71.2` on `<prefix>/<asset>/<tag>`, stamped by the receiver.
 * QoS 0; retries the broker until it is there, and after it restarts.
 */
export class MqttPlant {
  messages = 0;

  private constructor(
    private readonly client: MqttClient,
    readonly prefix: string,
  ) {}

  static async connect(url: string, prefix: string, signal?: AbortSignal): Promise<MqttPlant> {
    const client = mqtt.connect(url, { clientId: `cbm-sim-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 250, connectTimeout: 5000 });
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    return new MqttPlant(client, prefix);
  }

  json(asset: string, rows: Record<string, Value | number>[]): void {
    // A few hundred samples a message keeps each well under any broker's packet limit.
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      this.client.publish(`${this.prefix}/${asset}/telemetry`, JSON.stringify(chunk.length === 1 ? chunk[0] : chunk), { qos: 0 });
      this.messages++;
    }
  }

  bare(asset: string, tag: string, value: Value): void {
    this.client.publish(`${this.prefix}/${asset}/${tag}`, String(value), { qos: 0 });
    this.messages++;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
