import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import type { Logger } from '../../src/core/logger.js';
import { apiOf, brokerPort, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { waitFor } from '../helpers/servers.js';

/** A logger that keeps every line (children share the list). */
function recordingLogger(lines: { level: string; obj: object; msg: string }[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg: msg ?? '' });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

/**
 * Issue 18, hostile MQTT payloads through the embedded broker, each with a clear error and
 * nothing else lost: fields that hold no number beside good ones are Bad and counted per field
 * (they were dropped uncounted); JSON nested 10,000 deep is refused with a count beside a good
 * object of the same message, which is kept (it logged a stack overflow, was not counted and lost
 * the good object); a message of 10,000 unknown fields writes one log line, not 10,000.
 */
describe('hostile MQTT payloads', () => {
  let gw: Gateway;
  let client: mqtt.MqttClient;
  const lines: { level: string; obj: object; msg: string }[] = [];

  beforeAll(async () => {
    const site = pumpSite(2, { sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: 0, allowAnonymous: true }, topics: [{ topic: 'plant/{asset}' }] }] });
    const { file } = writeSite(site, []);
    gw = await startGateway(file, { log: recordingLogger(lines) });
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort(gw, 'mq')}`);
  });

  afterAll(async () => {
    await client?.endAsync();
    await gw?.stop();
  });

  const health = async () => (await apiOf(gw).inject('/api/health')).json<{ ingest: { received: number; accepted: number; bad: number; unknownTag: number }; sources: { id: string; counters: Record<string, number> }[] }>();
  const tag = async (asset: string, id: string) => (await apiOf(gw).inject(`/api/assets/${asset}`)).json<{ tags: { id: string; value: unknown; quality: string; reason: string | null }[] }>().tags.find((t) => t.id === id);
  const publish = (topic: string, payload: string) => client.publishAsync(topic, payload, { qos: 1 });

  it('a field with no number beside good ones is Bad and counted per field; the good field is kept', async () => {
    const before = await health();
    await publish('plant/p-1', '{"bearing_temp": 71.5, "vibration": 1e400}');
    await publish('plant/p-2', '{"vibration": {"x": 1}, "bearing_temp": 66}');
    await waitFor('both messages ingested', async () => ((await health()).ingest.received - before.ingest.received === 4 ? true : undefined));
    const h = await health();
    expect(h.ingest.accepted - before.ingest.accepted).toBe(2);
    expect(h.ingest.bad - before.ingest.bad).toBe(2);
    expect(await tag('p-1', 'bearing_temp')).toMatchObject({ value: 71.5, quality: 'Good' });
    expect(await tag('p-1', 'vibration')).toMatchObject({ value: 'Infinity', quality: 'Bad', reason: 'not_finite' });
    expect(await tag('p-2', 'vibration')).toMatchObject({ value: '{object}', quality: 'Bad', reason: 'not_a_scalar' });
    expect(await tag('p-2', 'bearing_temp')).toMatchObject({ value: 66, quality: 'Good' });
    expect(h.sources.find((s) => s.id === 'mq')!.counters.malformed).toBe(2);
    // Logged once with where and why; the second topic's line waits for the minute's summary (one line per cause).
    const said = lines.filter((l) => l.msg.startsWith('payload partly unusable'));
    expect(said.map((l) => l.obj)).toEqual([expect.objectContaining({ topic: 'plant/p-1', err: '1 unusable part (the rest kept): field "vibration" holds Infinity (not_finite)' })]);
  });

  it('JSON nested 10,000 deep is refused with a count; the good object of the same message is kept', async () => {
    const before = await health();
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    await publish('plant/p-1', `[{"bearing_temp": 72.25}, ${deep}]`);
    await waitFor('the good object', async () => ((await tag('p-1', 'bearing_temp'))?.value === 72.25 ? true : undefined));
    const h = await health();
    expect(h.sources.find((s) => s.id === 'mq')!.counters.malformed! - before.sources.find((s) => s.id === 'mq')!.counters.malformed!).toBe(1);
    expect(JSON.stringify(lines)).not.toMatch(/call stack/i);
    // The gateway goes on: the next message is read as ever.
    await publish('plant/p-1', '{"bearing_temp": 73}');
    await waitFor('the next message', async () => ((await tag('p-1', 'bearing_temp'))?.value === 73 ? true : undefined));
  });

  it('a message of 10,000 unknown fields is counted per field and writes one log line', async () => {
    const before = await health();
    const fields = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i]));
    await publish('plant/p-2', JSON.stringify(fields));
    await waitFor('every field counted', async () => ((await health()).ingest.unknownTag - before.ingest.unknownTag === 10_000 ? true : undefined));
    const unknown = lines.filter((l) => l.msg.includes('the site config does not define'));
    expect(unknown).toHaveLength(1);
    expect(lines.length).toBeLessThan(50);
  });
});
