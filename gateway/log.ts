import pino from 'pino';
import type { Logger } from '../src/core/logger.js';

/** JSON lines on stdout (pino): one object per event, easy to ship to Loki or Elasticsearch. */
export function createLogger(level: string, name = 'cbm-gateway'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }) as unknown as Logger;
}
