import pino from 'pino';
import type { Logger } from '../src/core/logger.js';
import { redactValue } from '../src/core/redact.js';

/**
 * JSON lines on stdout (pino): one object per event, easy to ship to Loki or Elasticsearch. Every
 * line passes through the redaction of src/core/redact.ts: no configured secret and no password
 * inside a URL reaches the log, whatever part logged it.
 */
export function createLogger(level: string, name = 'cbm-gateway', stream?: pino.DestinationStream): Logger {
  const opts: pino.LoggerOptions = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: {
      logMethod(args, method) {
        return method.apply(this, redactValue(args) as Parameters<typeof method>);
      },
    },
  };
  return (stream ? pino(opts, stream) : pino(opts)) as unknown as Logger;
}
