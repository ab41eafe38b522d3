import mqtt from 'mqtt';
import type { Pump } from './model.js';

export interface PublisherOptions {
  url: string;
  /** Topic prefix; each pump publishes `<prefix>/<pump id>/telemetry`. */
  prefix: string;
  intervalMs: number;
  pumps: Pump[];
  log?: (line: string) => void;
}

/**
 * Publishes each pump's readings as one JSON object per interval, the way a sensor gateway or a
 * PLC's MQTT module would: `{ "ts": <ms>, "bearing_temp": 63.1, "vibration": 2.2, … }`.
 */
export async function startPublisher(o: PublisherOptions): Promise<{ stop: () => Promise<void> }> {
  // Like a real sensor gateway: keep retrying until the broker is there, and after it restarts.
  const client = mqtt.connect(o.url, { clientId: `plant-sim-${process.pid}`, reconnectPeriod: 1000 });
  client.on('error', () => {});
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  log(`publishing ${o.pumps.length} pumps to ${o.url} every ${o.intervalMs} ms under ${o.prefix}/<pump>/telemetry`);
  let tick = 0;
  const timer = setInterval(() => {
    const t = (Date.now() - t0) / 1000;
    for (const p of o.pumps) {
      const r = p.read(t);
      client.publish(`${o.prefix}/${p.id}/telemetry`, JSON.stringify({ ts: Date.now(), ...r }), { qos: 0 });
      if (tick % 5 === 0) log(`${p.id} t=${t.toFixed(0)}s bearing_temp=${r.bearing_temp} °C vibration=${r.vibration} mm/s`);
    }
    tick++;
  }, o.intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}
