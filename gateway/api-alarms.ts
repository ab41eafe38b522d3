import type { FastifyInstance } from 'fastify';
import type { AlarmBook } from '../src/alarms/book.js';
import { stateName } from '../src/alarms/lifecycle.js';
import type { AlarmStore } from '../src/alarms/store.js';
import { parseDuration } from '../src/config/duration.js';
import { CbmError } from '../src/core/errors.js';
import { isoTime } from '../src/core/timestamp.js';
import type { AlarmCommands } from '../src/pipeline/commands.js';
import type { Catalog } from '../src/tags/catalog.js';

/** What the alarm routes read, and the narrow command surface they may use. */
export interface AlarmApiDeps {
  catalog: Pick<Catalog, 'assets'>;
  alarms: Pick<AlarmBook, 'list'> & Pick<AlarmStore, 'events'>;
  /** Operator commands (ack, shelve, out of service), each committed before it returns. */
  commands: AlarmCommands;
}

const iso = (t: number) => (Number.isFinite(t) ? isoTime(t) : null);

/** Every alarm not in plain `normal` for an asset: active, unacknowledged, shelved, out of service, chattering. */
export function alarmsOf(d: Pick<AlarmApiDeps, 'alarms'>, assetId: string) {
  return d.alarms
    .list(assetId)
    .filter(({ state: s }) => s.active || stateName(s) !== 'normal' || s.chattering)
    .map(({ ruleId, ruleName, priority, state: s }) => ({
      rule: ruleId,
      name: ruleName,
      priority,
      state: stateName(s),
      active: s.active,
      acknowledged: s.acked,
      episode: s.episode,
      since: iso(s.since),
      shelvedUntil: iso(s.shelvedUntil),
      chattering: s.chattering,
      repeating: s.repeating,
      suppressedOrders: s.suppressed,
    }));
}

function user(body: unknown): string {
  const by = (body as { by?: unknown } | undefined)?.by;
  return typeof by === 'string' && by.trim() ? by.trim().slice(0, 100) : 'api';
}

export function registerAlarmRoutes(app: FastifyInstance, d: AlarmApiDeps): void {
  app.get<{ Querystring: { asset?: string; limit?: string } }>('/api/alarms', async (req) => {
    const ids = [...d.catalog.assets.keys()].filter((id) => !req.query.asset || id === req.query.asset);
    const alarms = ids.flatMap((id) => alarmsOf(d, id).map((a) => ({ asset: id, ...a })));
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
    const history = d.alarms
      .events(req.query.asset, limit)
      .map((e) => ({ rule: e.rule_id, asset: e.asset_id, episode: e.episode, change: e.change, priority: e.priority, ts: isoTime(e.ts) }));
    return { active: alarms.filter((a) => a.active), alarms, chattering: alarms.filter((a) => a.chattering), history };
  });

  type P = { Params: { rule: string; asset: string }; Body: { by?: string; duration?: string | number } | undefined };
  app.post<P>('/api/alarms/:rule/:asset/ack', async (req) => {
    const changed = d.commands.acknowledge(req.params.rule, req.params.asset, user(req.body));
    return { acknowledged: changed };
  });
  app.post<P>('/api/alarms/:rule/:asset/shelve', async (req) => {
    const ms = parseDuration(req.body?.duration ?? '');
    if (!ms) throw new CbmError('CBM_ERR_BAD_REQUEST', 'body.duration: expected a duration such as 30m or 2h (capped at the rule\'s maxShelve)');
    const until = d.commands.shelve(req.params.rule, req.params.asset, ms, user(req.body));
    return { shelvedUntil: new Date(until).toISOString() };
  });
  app.post<P>('/api/alarms/:rule/:asset/unshelve', async (req) => {
    d.commands.unshelve(req.params.rule, req.params.asset, user(req.body));
    return { shelved: false };
  });
  app.post<{ Params: { id: string }; Body: { enabled?: boolean; by?: string } | undefined }>('/api/assets/:id/out-of-service', async (req) => {
    const on = req.body?.enabled ?? true;
    const n = d.commands.setOutOfService(req.params.id, on, user(req.body));
    return { asset: req.params.id, outOfService: on, alarms: n };
  });
}
