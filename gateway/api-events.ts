import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CbmError } from '../src/core/errors.js';
import { EVENT_TYPES, type EventBus, type EventType, type GatewayEvent } from './events.js';

export interface EventStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream (ms, default 15 s). */
  heartbeat?: number;
  /** Streams open at once (default 100); one more answers 429. */
  maxClients?: number;
  /** Bytes a slow client may leave unread before it is dropped (it reconnects with Last-Event-ID). */
  maxBuffered?: number;
}

const frame = (e: GatewayEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;

/**
 * `GET /api/events`: server-sent events (text/event-stream, the browser's EventSource) for alarm,
 * order and health changes (issue 17). `?types=alarm,order` narrows them. A client reconnecting
 * with `Last-Event-ID` first gets the events it missed while the bus still keeps them, or a
 * `reset` event when it does not (reload what you show). Streams end when the API closes.
 */
export function registerEventRoutes(root: FastifyInstance, bus: EventBus, o: EventStreamOptions = {}): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const open = new Set<ServerResponse>();
  const maxClients = o.maxClients ?? 100;
  const maxBuffered = o.maxBuffered ?? 1_048_576;
  root.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/api/events',
    {
      schema: {
        summary: 'Server-sent events: alarm, order and health changes',
        tags: ['events'],
        querystring: z.object({
          types: z
            .string()
            .regex(new RegExp(`^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`), `expected a comma-separated list of ${EVENT_TYPES.join(', ')}`)
            .optional(),
        }),
        headers: z.looseObject({ 'last-event-id': z.coerce.number().int().nonnegative().optional() }),
      },
    },
    async (req, reply) => {
      if (open.size >= maxClients) throw new CbmError('CBM_ERR_RATE_LIMITED', `${maxClients} event streams are open already; close one or raise the limit`);
      const types = new Set<EventType>((req.query.types?.split(',') as EventType[] | undefined) ?? EVENT_TYPES);
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // nginx: pass events on as they come.
        'x-accel-buffering': 'no',
      });
      open.add(res);
      const send = (e: GatewayEvent) => {
        if (!types.has(e.type)) return;
        if (res.writableLength > maxBuffered) return void res.destroy();
        res.write(frame(e));
      };
      res.write('retry: 3000\n\n');
      const last = req.headers['last-event-id'];
      if (last !== undefined) {
        const missed = bus.since(Number(last));
        if (missed === undefined) res.write('event: reset\ndata: {}\n\n');
        else for (const e of missed) send(e);
      }
      const off = bus.subscribe(send);
      const beat = setInterval(() => res.write(': keep-alive\n\n'), o.heartbeat ?? 15_000);
      beat.unref();
      res.on('close', () => {
        off();
        clearInterval(beat);
        open.delete(res);
      });
    },
  );
}
