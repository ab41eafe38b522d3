import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AlarmBook } from '../src/alarms/book.js';
import { stateName } from '../src/alarms/lifecycle.js';
import type { AlarmStore } from '../src/alarms/store.js';
import { duration } from '../src/config/duration.js';
import { isoTime } from '../src/core/timestamp.js';
import type { AlarmCommands } from '../src/pipeline/commands.js';
import type { Catalog } from '../src/tags/catalog.js';
import type { Actor, AuditSink } from './access.js';
import { limit } from './api-schemas.js';

/** What the alarm routes read, and the narrow command surface they may use. */
export interface AlarmApiDeps {
  catalog: Pick<Catalog, 'assets'>;
  alarms: Pick<AlarmBook, 'list'> & Pick<AlarmStore, 'events'>;
  /** Operator commands (ack, shelve, out of service), each committed before it returns. */
  commands: AlarmCommands;
  /** Where each command is recorded with the alarm's state before and after. */
  audit: AuditSink;
  clock: { now(): number };
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

/** One alarm's state as the audit log records it (undefined: no such alarm). */
function snapshot(d: AlarmApiDeps, rule: string, asset: string) {
  const a = d.alarms.list(asset).find((x) => x.ruleId === rule);
  return a && { state: stateName(a.state), active: a.state.active, acknowledged: a.state.acked, shelvedUntil: iso(a.state.shelvedUntil) };
}

/**
 * Who did it: the authenticated actor, or without authentication (`api.auth: none`) the body's
 * optional `by` (a name typed by the operator), else `api`.
 */
export function who(req: { actor?: Actor | undefined; body?: unknown }): string {
  const by = (req.body as { by?: unknown } | undefined)?.by;
  return req.actor?.name ?? (typeof by === 'string' && by.trim() ? by.trim() : 'api');
}

const by = z.string().max(100).optional().describe('who did it, recorded when the API runs without authentication (api.auth: none); ignored otherwise');
const alarmParams = z.object({ rule: z.string().min(1), asset: z.string().min(1) });
const technician = { role: 'technician' } as const;

export function registerAlarmRoutes(root: FastifyInstance, d: AlarmApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/alarms',
    { schema: { summary: 'Alarms not in plain normal, and the newest alarm changes', tags: ['alarms'], querystring: z.object({ asset: z.string().optional(), limit }) } },
    async (req) => {
      const ids = [...d.catalog.assets.keys()].filter((id) => !req.query.asset || id === req.query.asset);
      const alarms = ids.flatMap((id) => alarmsOf(d, id).map((a) => ({ asset: id, ...a })));
      const history = d.alarms
        .events(req.query.asset, req.query.limit)
        .map((e) => ({ rule: e.rule_id, asset: e.asset_id, episode: e.episode, change: e.change, priority: e.priority, ts: isoTime(e.ts) }));
      return { active: alarms.filter((a) => a.active), alarms, chattering: alarms.filter((a) => a.chattering), history };
    },
  );

  /** Runs an alarm command and records it with the alarm's state before and after. */
  const audited = <T>(req: { actor?: Actor | undefined; body?: unknown }, action: string, rule: string, asset: string, run: (who: string) => T): T => {
    const before = snapshot(d, rule, asset);
    const actor = who(req);
    const r = run(actor);
    d.audit.record({ at: d.clock.now(), actor, action, target: `${rule}@${asset}`, before, after: snapshot(d, rule, asset) });
    return r;
  };

  const plain = { params: alarmParams, body: z.object({ by }).nullish(), tags: ['alarms'] };
  app.post('/api/alarms/:rule/:asset/ack', { config: technician, schema: { ...plain, summary: 'Acknowledge an alarm' } }, async (req) => {
    const { rule, asset } = req.params;
    return { acknowledged: audited(req, 'alarm.acknowledge', rule, asset, (w) => d.commands.acknowledge(rule, asset, w)) };
  });
  app.post(
    '/api/alarms/:rule/:asset/shelve',
    {
      config: technician,
      schema: {
        ...plain,
        summary: "Shelve an alarm (at most the rule's maxShelve)",
        body: z.object({ duration: duration.pipe(z.number().positive('expected a duration longer than 0')).describe('e.g. 30m or 2h'), by }),
      },
    },
    async (req) => {
      const { rule, asset } = req.params;
      const until = audited(req, 'alarm.shelve', rule, asset, (w) => d.commands.shelve(rule, asset, req.body.duration, w));
      return { shelvedUntil: isoTime(until) };
    },
  );
  app.post('/api/alarms/:rule/:asset/unshelve', { config: technician, schema: { ...plain, summary: 'Unshelve an alarm' } }, async (req) => {
    const { rule, asset } = req.params;
    audited(req, 'alarm.unshelve', rule, asset, (w) => d.commands.unshelve(rule, asset, w));
    return { shelved: false };
  });
  app.post(
    '/api/assets/:id/out-of-service',
    {
      config: technician,
      schema: {
        summary: "Take an asset's alarms out of service (no orders), or return them (enabled: false)",
        tags: ['alarms'],
        params: z.object({ id: z.string().min(1) }),
        body: z.object({ enabled: z.boolean().default(true), by }).nullish(),
      },
    },
    async (req) => {
      const on = req.body?.enabled ?? true;
      const asset = req.params.id;
      const outOfService = () => ({ alarmsOutOfService: d.alarms.list(asset).filter((a) => a.state.outOfService).length });
      const before = outOfService();
      const actor = who(req);
      const n = d.commands.setOutOfService(asset, on, actor);
      d.audit.record({ at: d.clock.now(), actor, action: on ? 'asset.out_of_service' : 'asset.in_service', target: `asset:${asset}`, before, after: outOfService() });
      return { asset, outOfService: on, alarms: n };
    },
  );
}
