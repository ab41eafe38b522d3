import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import type { Scenario } from '../scenario/load.js';
import { wordSwappedFloat } from '../sensors/faults.js';
import { startModbusPlant, type ModbusPlant } from './modbus.js';
import { MqttPlant } from './mqtt.js';
import { startOpcuaPlant, type OpcuaPlant } from './opcua.js';
import { PlantStream } from './stream.js';

export interface PlantOptions {
  scenario: Scenario;
  /** Plant time: a ScaledClock shared with (or anchored like) the gateway's, or the system clock. */
  clock: Clock;
  /** Broker for the MQTT machines (the gateway's embedded broker or a plant broker). */
  mqttUrl?: string;
  mqttPrefix?: string;
  modbus?: { host?: string; port: number };
  opcua?: { port: number; pkiDir: string };
  /** NDJSON file of every sample, as `cbm-gateway rules test --samples` reads it. */
  record?: string;
  /**
   * How far ahead of the clock timestamped samples go out, in wall ms (default 300): at a high
   * time scale a late timer or a garbage collection would otherwise look like silence to a
   * gateway's staleness rules. Values without a timestamp (Modbus, bare MQTT) are never early.
   */
  leadMs?: number;
  /** Wall ms between publishing rounds (default 20). */
  periodMs?: number;
}

export interface PlantRun {
  stream: PlantStream;
  /** Resolves when every server is up and the MQTT machines' broker answers. */
  ready: Promise<void>;
  /** Resolves once every sample up to the scenario's end has gone out. */
  finished: Promise<void>;
  stats: { samples: number; mqttMessages: number; rounds: number; lateRounds: number };
  stop(): Promise<void>;
}

/**
 * Serves a scenario's plant over its protocols at once: JSON and bare MQTT to a broker, Modbus TCP
 * and OPC UA servers of its own. Servers start first (so a gateway started next finds them); the
 * MQTT client retries until the broker answers. Each round sends what the plant measured since
 * the last one, up to the scenario's end.
 */
export async function startPlant(o: PlantOptions): Promise<PlantRun> {
  const s = o.scenario;
  const stream = new PlantStream(s);
  const by = (p: string) => stream.units.filter((u) => u.sim.protocol === p);
  let modbus: ModbusPlant | undefined;
  let opcua: OpcuaPlant | undefined;
  let mqtt: MqttPlant | undefined;
  const modbusUnits = by('modbus');
  const opcuaUnits = by('opcua');
  const mqttUnits = stream.units.filter((u) => u.sim.protocol.startsWith('mqtt'));
  if (modbusUnits.length) {
    if (!o.modbus) throw new Error('this scenario has Modbus machines: give a Modbus port');
    modbus = await startModbusPlant({ ...o.modbus, units: modbusUnits.map((u, i) => ({ unitId: i + 1, sim: u.sim, swapped: (sig) => u.sensors.wordSwapped(sig) })) });
  }
  if (opcuaUnits.length) {
    if (!o.opcua) throw new Error('this scenario has OPC UA machines: give an OPC UA port');
    opcua = await startOpcuaPlant({ ...o.opcua, machines: opcuaUnits.map((u) => u.sim) });
  }
  const abort = new AbortController();
  const mqttReady = mqttUnits.length
    ? MqttPlant.connect(o.mqttUrl ?? 'mqtt://127.0.0.1:1883', o.mqttPrefix ?? 'sim', abort.signal).then((c) => (mqtt = c))
    : Promise.resolve(undefined);
  mqttReady.catch(() => undefined);
  let out: WriteStream | undefined;
  if (o.record) {
    mkdirSync(dirname(o.record), { recursive: true });
    out = createWriteStream(o.record);
  }

  const stats = { samples: 0, mqttMessages: 0, rounds: 0, lateRounds: 0 };
  const period = o.periodMs ?? 20;
  const leadSim = (o.leadMs ?? 300) * s.scale;
  let sent = s.start - 1;
  const bareSent = new Map<string, number>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let timer: NodeJS.Timeout | undefined;
  let last = performance.now();

  const round = () => {
    const w = performance.now();
    if (w - last > 5 * period) stats.lateRounds++;
    last = w;
    stats.rounds++;
    const now = o.clock.now();
    const horizon = Math.min(s.end, now + leadSim);
    if (modbus) modbusUnits.forEach((u, i) => modbus!.update(i + 1, stream.latest(u, Math.min(now, s.end))));
    if (sent >= s.end && now >= s.end) done();
    // Timestamped samples wait for the broker, so the recording and every protocol stay in step.
    if (horizon <= sent || (mqttUnits.length && !mqtt)) return;
    const lines: string[] = [];
    for (const u of stream.units) {
      const asset = u.sim.entry.id;
      const p = u.sim.protocol;
      const batch = stream.between(u, sent, horizon);
      for (const b of batch) {
        stats.samples += b.values.size;
        if (out)
          for (const [tag, v] of b.values)
            if (!v.status) lines.push(JSON.stringify({ ts: new Date(b.ts).toISOString(), asset, tag, value: typeof v.value === 'number' && p === 'modbus' && u.sensors.wordSwapped(tag) ? wordSwappedFloat(v.value) : v.value }));
        if (p === 'opcua') for (const [tag, v] of b.values) opcua!.set(asset, tag, v.value, b.ts, v.status);
      }
      if (p === 'mqtt-json' && mqtt && batch.length) mqtt.json(asset, batch.map((b) => ({ ts: b.ts, ...Object.fromEntries([...b.values].map(([k, v]) => [k, v.value])) })));
      if (p === 'mqtt-bare' && mqtt) {
        for (const [tag, v] of stream.latest(u, Math.min(now, s.end))) {
            const key = `${asset}/${tag}`;
            if (bareSent.get(key) === v.ts) continue;
            bareSent.set(key, v.ts);
            mqtt.bare(asset, tag, v.value);
          }
      }
    }
    if (out && lines.length) out.write(`${lines.join('\n')}\n`);
    sent = horizon;
    if (mqtt) stats.mqttMessages = mqtt.messages;
    if (process.env.SIM_TRACE) process.stdout.write(`round ${stats.rounds} took ${(performance.now() - w).toFixed(1)} ms, now +${((now - s.start) / 6e4).toFixed(0)} min, sent +${((sent - s.start) / 6e4).toFixed(0)} min, samples ${stats.samples}\n`);
  };
  timer = setInterval(round, period);
  round();

  return {
    stream,
    ready: mqttReady.then(() => undefined),
    finished,
    stats,
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      abort.abort(new Error('plant stopped'));
      await Promise.all([mqtt?.close(), modbus?.stop(), opcua?.stop(), out && new Promise<void>((r) => out!.end(() => r()))]);
    },
  };
}
