import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { stateName } from '../src/alarms/lifecycle.js';
import type { Clock } from '../src/core/clock.js';
import { CbmError } from '../src/core/errors.js';
import { alarmKpis } from '../src/insight/alarm-kpis.js';
import { assetScores, healthTree, oneAssetHealth, type HealthSources } from '../src/insight/collect.js';
import type { HealthPolicy } from '../src/insight/health.js';
import { maintenanceKpis } from '../src/insight/maintenance-kpis.js';
import type { InsightStore } from '../src/insight/store.js';
import type { LoadedRules } from '../src/rules/load.js';
import type { Catalog } from '../src/tags/catalog.js';
import type { LatestValues } from '../src/tags/latest.js';
import type { AlarmApiDeps } from './api-alarms.js';

/** What the health and KPI routes read. */
export interface InsightApiDeps {
  clock: Clock;
  startedAt: number;
  catalog: Pick<Catalog, 'asset' | 'assets'>;
  latest: Pick<LatestValues, 'get'>;
  alarms: AlarmApiDeps['alarms'];
  rules: () => LoadedRules;
  /** Read-only queries over the store (orders, alarm history); absent: health without orders, and no KPIs. */
  insight?: InsightStore;
  /** Overrides of the health policy (stale-sensor time, recent-order window). */
  healthPolicy?: Partial<HealthPolicy>;
}

const DAY = 86_400_000;

function sources(d: InsightApiDeps): HealthSources {
  return { catalog: d.catalog, latest: d.latest, alarms: () => d.alarms.list(), rules: d.rules, store: d.insight, startedAt: d.startedAt, now: d.clock.now(), policy: d.healthPolicy };
}

/** Per-asset scores for `/metrics` (`cbm_asset_health`). */
export function healthScores(d: InsightApiDeps): { id: string; score: number }[] {
  return assetScores(sources(d)).map((a) => ({ id: a.id, score: a.health.score }));
}

function days(raw: string | undefined, dflt: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new CbmError('CBM_ERR_BAD_REQUEST', `days: expected a number of days above 0 and at most ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function store(d: InsightApiDeps): InsightStore {
  if (!d.insight) throw new CbmError('CBM_ERR_NOT_FOUND', 'KPIs need the gateway store, which this API was built without');
  return d.insight;
}

/**
 * Asset health (site > area > line > asset, with reasons) and the alarm and maintenance KPIs
 * (docs/dashboard.md has every weight and formula). Read-only: every route needs `viewer`.
 */
export function registerInsightRoutes(app: FastifyInstance, d: InsightApiDeps): void {
  const tags = ['health and KPIs'];
  const daysQuery = (dflt: number, max: number) => ({ querystring: z.object({ days: z.string().optional().describe(`days back from now, 1-${max} (default ${dflt})`) }) });
  app.get('/api/health/tree', { schema: { summary: 'Health scores rolled up site > area > line > asset, with reasons', tags } }, async () => healthTree(sources(d)) ?? null);

  app.get<{ Params: { id: string } }>('/api/assets/:id/health', { schema: { summary: "One asset's health score, reasons, limits, trends and PM meters", tags, params: z.object({ id: z.string().min(1) }) } }, async (req) => {
    const h = oneAssetHealth(sources(d), req.params.id);
    if (!h) throw new CbmError('CBM_ERR_NOT_FOUND', `no asset "${req.params.id}"`);
    return h;
  });

  app.get<{ Querystring: { days?: string } }>('/api/kpis/alarms', { schema: { summary: 'Alarm KPIs (EEMUA 191 / ISA-18.2) over the last days', tags, ...daysQuery(7, 90) } }, async (req) => {
    const s = store(d);
    const to = d.clock.now();
    const from = to - days(req.query.days, 7, 90) * DAY;
    const current = d.alarms.list().map((a) => ({
      rule: a.ruleId,
      asset: a.assetId,
      name: a.ruleName,
      priority: a.priority,
      active: a.state.active,
      since: a.state.since,
      chattering: a.state.chattering,
      shelved: stateName(a.state) === 'shelved',
    }));
    const k = alarmKpis({ from, to, events: s.alarmEvents(from, to), before: s.alarmStatesAt(from), current });
    // Names as people read them, beside the ids.
    const ruleNames = new Map(d.rules().rules.map((r) => [r.rule.id, r.rule.name]));
    const top = k.badActors.top.map((a) => ({ ...a, name: ruleNames.get(a.rule) ?? a.rule, assetName: d.catalog.asset(a.asset)?.name ?? a.asset }));
    return { ...k, badActors: { ...k.badActors, top } };
  });

  app.get<{ Querystring: { days?: string } }>('/api/kpis/maintenance', { schema: { summary: 'Maintenance KPIs from the order status history over the last days', tags, ...daysQuery(90, 730) } }, async (req) => {
    const s = store(d);
    const to = d.clock.now();
    const from = to - days(req.query.days, 90, 730) * DAY;
    return maintenanceKpis({ from, to, orders: s.orders(from) });
  });
}
