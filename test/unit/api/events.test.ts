import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../../gateway/api.js';
import { defaultApiSettings } from '../../../gateway/api-settings.js';
import { EventBus } from '../../../gateway/events.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../../helpers/gateway.js';
import { waitFor } from '../../helpers/servers.js';

interface Received {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** Reads a text/event-stream into parsed events until aborted. */
async function subscribe(url: string, headers: Record<string, string> = {}) {
  const ctl = new AbortController();
  const res = await fetch(url, { headers, signal: ctl.signal });
  const events: Received[] = [];
  const comments: string[] = [];
  const state = { ended: false };
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
          if (block.startsWith(':')) comments.push(block);
          else if (fields.event) events.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data ?? '{}') as Record<string, unknown> });
        }
      }
    } catch {
      // aborted, or the connection closed
    }
    state.ended = true;
  })();
  return { res, events, comments, state, close: async () => (ctl.abort(), await reading) };
}

/** Issue 17: the page hears alarm, order and health changes without polling. */
describe('server-sent events', () => {
  let gw: Gateway;
  let api: FastifyInstance;
  let base: string;
  let token: string;

  beforeAll(async () => {
    const { file } = writeSite(pumpSite(2, { api: { enabled: false } }), [bearingRule]);
    gw = await startGateway(file);
    token = gw.view.access.tokens.create({ name: 'page', role: 'viewer', createdBy: 'test' }).token;
    api = buildApi(gw.view, defaultApiSettings({ auth: 'users' }), { events: { heartbeat: 50 } });
    base = await api.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await api?.close();
    await gw?.stop();
  });

  it('needs credentials like every route', async () => {
    const res = await fetch(`${base}/api/events`);
    expect(res.status).toBe(401);
  });

  it('streams the alarm raise and its new order as they are committed, then health published by the health model', async () => {
    const s = await subscribe(`${base}/api/events`, { authorization: `Bearer ${token}` });
    expect(s.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: Date.now(), value: 92, quality: 'Good' }]);
    gw.events.publish('health', { asset: 'p-1', score: 41 });
    await waitFor('three events', () => (s.events.length >= 3 ? true : undefined), 5000);
    await waitFor('a heartbeat', () => (s.comments.length > 0 ? true : undefined), 5000);
    await s.close();
    const [alarm, order, health] = s.events;
    expect(alarm).toMatchObject({ event: 'alarm', data: { asset: 'p-1', rule: 'bearing-hot', change: 'raised', state: 'unacknowledged', priority: 2, active: true, acknowledged: false } });
    expect(order).toMatchObject({ event: 'order', data: { kind: 'created', asset: 'p-1', rule: 'bearing-hot', priority: 2, status: 'open', id: gw.view.outbox.list()[0]!.order.id } });
    expect(health).toMatchObject({ event: 'health', data: { asset: 'p-1', score: 41 } });
    expect(order!.id).toBe(alarm!.id + 1);
  });

  it('sends operator commands and CMMS status as they happen, filtered by ?types=', async () => {
    const s = await subscribe(`${base}/api/events?types=order`, { authorization: `Bearer ${token}` });
    const tech = gw.view.access.tokens.create({ name: 'tech', role: 'technician', createdBy: 'test' }).token;
    await api.inject({ method: 'POST', url: '/api/alarms/bearing-hot/p-1/ack', headers: { authorization: `Bearer ${tech}` }, payload: {} });
    const id = gw.view.outbox.list()[0]!.order.id;
    await api.inject({ method: 'POST', url: '/api/work-orders/status', headers: { authorization: `Bearer ${tech}` }, payload: { id, status: 'in_progress' } });
    await waitFor('the status event', () => (s.events.length >= 1 ? true : undefined), 5000);
    await s.close();
    expect(s.events.map((e) => e.event)).toEqual(['order']); // the acknowledge was an alarm event, filtered out
    expect(s.events[0]!.data).toMatchObject({ kind: 'status', id, status: 'in_progress', previous: 'open', source: 'inbound' });
  });

  it('replays what a reconnecting client missed (Last-Event-ID), or says reset when it is no longer kept', async () => {
    const bus = new EventBus(3); // keeps the newest 3 to 5
    for (let i = 1; i <= 6; i++) bus.publish('health', { n: i });
    expect(bus.since(6)).toEqual([]);
    expect(bus.since(4)?.map((e) => e.id)).toEqual([5, 6]);
    expect(bus.since(3)?.map((e) => e.id)).toEqual([4, 5, 6]);
    expect(bus.since(2)).toBeUndefined();

    const last = gw.events.since(0)!.at(-1)!.id;
    gw.events.publish('health', { asset: 'p-2', score: 90 });
    const s = await subscribe(`${base}/api/events?types=health`, { authorization: `Bearer ${token}`, 'last-event-id': String(last) });
    await waitFor('the missed event', () => (s.events.length >= 1 ? true : undefined), 5000);
    await s.close();
    expect(s.events[0]).toMatchObject({ id: last + 1, event: 'health', data: { asset: 'p-2', score: 90 } });
  });

  it('ends open streams when the API closes, so the gateway stops', async () => {
    const other = buildApi(gw.view, defaultApiSettings({ auth: 'none' }));
    const url = await other.listen({ host: '127.0.0.1', port: 0 });
    const s = await subscribe(`${url}/api/events`);
    await waitFor('subscribed', () => (gw.events.subscribers > 0 ? true : undefined), 5000);
    expect(s.state.ended).toBe(false);
    await other.close();
    await waitFor('the stream to end', () => (s.state.ended ? true : undefined), 5000);
    expect(gw.events.subscribers).toBe(0);
  });
});
