import { createRequire } from 'node:module';

/**
 * mqtt-packet (the writer of aedes and mqtt.js) builds, on its first write, a cache of 65,536
 * two-byte Buffers for the 16-bit numbers it writes (packet ids, string lengths): ~7 MB of heap
 * and 65,536 objects that every major collection marks again, for the few packets the gateway
 * writes (CONNACK, SUBACK, PUBACK, a target's PUBLISH). Its documented switch
 * (`writeToStream.cacheNumbers = false`) writes a fresh two-byte Buffer per number instead.
 * Called before the first packet is written; harmless to call again.
 */
export function skipNumberCache(): void {
  const mod = createRequire(import.meta.url)('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };
  mod.writeToStream.cacheNumbers = false;
}
