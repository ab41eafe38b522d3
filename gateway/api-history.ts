import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../src/core/clock.js';
import { CbmError } from '../src/core/errors.js';
import { isoTime } from '../src/core/timestamp.js';
import type { History, Resolution } from '../src/history/history.js';
import type { Catalog } from '../src/tags/catalog.js';

/** What the API reads of the local history. */
export type HistoryView = Pick<History, 'query' | 'retention'>;

/** What the history route reads. */
export interface HistoryApiDeps {
  catalog: Pick<Catalog, 'asset'>;
  clock: Clock;
  /** Local tag history; undefined where `history.enabled` is false. */
  history: HistoryView | undefined;
}

const DAY = 86_400_000;
/** `resolution=auto` answers 1-minute points up to this span, 1-hour points beyond. */
export const AUTO_MINUTES_UP_TO = 2 * DAY;

/** An ISO 8601 time, or milliseconds since the epoch (as Grafana's `${__from}` gives them). */
export const timeParam = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const t = typeof v === 'number' || /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 time (2026-03-02T10:00:00Z) or epoch milliseconds; got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return t;
});

export const historyQuery = z
  .object({
    /** Default: 24 hours before `to`. */
    from: timeParam.optional(),
    /** Default: now. */
    to: timeParam.optional(),
    resolution: z.enum(['auto', 'raw', '1m', '1h']).default('auto'),
  })
  .strict();

const MINUTE_SUFFIX = Array.from({ length: 60 }, (_, m) => `${String(m).padStart(2, '0')}:00.000Z`);

/**
 * ISO 8601 of whole minutes, for thousands of points: the date and hour formatted once an hour
 * (`new Date().toISOString()` per point is most of a 7-day answer's time otherwise).
 */
export function minuteIsoFormatter(): (ms: number) => string {
  let hour = Number.NaN;
  let prefix = '';
  return (ms) => {
    if (ms % 60_000 !== 0) return isoTime(ms);
    const h = Math.floor(ms / 3_600_000);
    if (h !== hour) {
      hour = h;
      prefix = isoTime(h * 3_600_000).slice(0, 14);
    }
    return prefix + MINUTE_SUFFIX[(ms / 60_000) % 60]!;
  };
}

/** The first problem of a zod error as `where: what`, for a 400. */
export function badRequest(where: string, e: z.ZodError): CbmError {
  const i = e.issues[0]!;
  const path = [where, ...i.path.map(String)].filter(Boolean).join('.');
  return new CbmError('CBM_ERR_BAD_REQUEST', `${path}: ${i.message}`);
}

/** `GET /api/assets/:asset/tags/:tag/history`: a tag's 1-minute or 1-hour aggregates from the local store. */
export function registerHistoryRoutes(app: FastifyInstance, d: HistoryApiDeps): void {
  app.get<{ Params: { id: string; tag: string }; Querystring: Record<string, string> }>('/api/assets/:id/tags/:tag/history', async (req) => {
    const asset = d.catalog.asset(req.params.id);
    if (!asset) throw new CbmError('CBM_ERR_NOT_FOUND', `no asset "${req.params.id}"`);
    const tag = asset.tags.find((t) => t.id === req.params.tag);
    if (!tag) throw new CbmError('CBM_ERR_NOT_FOUND', `asset "${asset.id}" has no tag "${req.params.tag}"; its tags: ${asset.tags.map((t) => t.id).join(', ') || 'none'}`);
    if (!d.history) throw new CbmError('CBM_ERR_NOT_FOUND', 'local history is off (history.enabled: false in the site config)');
    const q = historyQuery.safeParse(req.query);
    if (!q.success) throw badRequest('query', q.error);
    const now = d.clock.now();
    const to = q.data.to ?? now;
    const from = q.data.from ?? to - DAY;
    if (!(from < to)) throw new CbmError('CBM_ERR_BAD_REQUEST', `query: expected from (${isoTime(from)}) before to (${isoTime(to)})`);
    if (q.data.resolution === 'raw') throw new CbmError('CBM_ERR_BAD_REQUEST', 'query.resolution: raw samples are not kept in the local store (1-minute and 1-hour aggregates are); ask InfluxDB for raw samples, or use resolution=1m');
    const resolution: Resolution = q.data.resolution === 'auto' ? (to - from <= AUTO_MINUTES_UP_TO ? '1m' : '1h') : q.data.resolution;
    const points = d.history.query(tag.index, from, to, resolution, now);
    const iso = minuteIsoFormatter();
    return {
      asset: asset.id,
      tag: tag.id,
      unit: tag.unit ?? null,
      resolution,
      from: isoTime(from),
      to: isoTime(to),
      points: points.map((p) => ({ t: iso(p.t), min: p.min, avg: p.sum / p.count, max: p.max, last: p.last, count: p.count })),
    };
  });
}
