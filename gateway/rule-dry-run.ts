import { CbmError } from '../src/core/errors.js';
import { isoTime } from '../src/core/timestamp.js';
import type { LoadedConfig } from '../src/config/load.js';
import type { History, HistoryPoint, Resolution } from '../src/history/history.js';
import { backtest, type ReplayEvent } from '../src/replay/backtest.js';
import type { RecordedSample } from '../src/rules/samples-file.js';
import type { Catalog } from '../src/tags/catalog.js';

/** At most this many samples are replayed in one dry-run (it runs on the gateway's thread). */
export const DRY_RUN_MAX_SAMPLES = 2_000_000;

/** Which value of each minute (or hour) is replayed as its sample. */
export type DryRunValue = 'avg' | 'min' | 'max' | 'last';

export interface DryRunOptions {
  loaded: LoadedConfig;
  history: Pick<History, 'query'>;
  catalog: Pick<Catalog, 'asset'>;
  /** The edited rule file (a temporary copy of the text). */
  candidate: string;
  assets: readonly string[];
  from: number;
  to: number;
  resolution: Resolution;
  value: DryRunValue;
  now: number;
}

export interface DryRunResult {
  from: string;
  to: string;
  /** `1m`: one sample a minute per tag; `1h`: one an hour (ranges beyond the 1-minute retention). */
  resolution: Resolution;
  value: DryRunValue;
  assets: string[];
  samples: number;
  events: ReplayEvent[];
  /** Alarm raises, new work orders, updates of open orders, orders the flood guard held. */
  raised: number;
  orders: number;
  updates: number;
  held: number;
  perAsset: Record<string, { raised: number; orders: number; updates: number; held: number; firstRaised: string | null }>;
}

const pick = (p: HistoryPoint, v: DryRunValue): number => (v === 'avg' ? p.sum / p.count : v === 'min' ? p.min : v === 'max' ? p.max : p.last);

/**
 * Replays the local history of the given assets through an edited rule file with the backtest
 * (`rules test`'s engine: the same stages, a manual clock): each minute's (or hour's) average,
 * or min, max or last, becomes one sample at the middle of its minute (or hour), every tag of the
 * assets. Ticks every 10 s of replayed time (60 s with hourly data): on-delays and staleness are
 * resolved to that step.
 */
export function dryRun(o: DryRunOptions): DryRunResult {
  const unit = o.resolution === '1m' ? 60_000 : 3_600_000;
  const samples: RecordedSample[] = [];
  for (const id of o.assets) {
    const asset = o.catalog.asset(id);
    if (!asset) continue;
    for (const tag of asset.tags) {
      for (const p of o.history.query(tag.index, o.from, o.to, o.resolution, o.now)) samples.push({ ts: p.t + unit / 2, asset: id, tag: tag.id, value: pick(p, o.value) });
      if (samples.length > DRY_RUN_MAX_SAMPLES) {
        throw new CbmError('CBM_ERR_BAD_REQUEST', `the range holds more than ${DRY_RUN_MAX_SAMPLES.toLocaleString('en-US')} ${o.resolution} samples for these assets; narrow the range or name fewer assets`);
      }
    }
  }
  samples.sort((a, b) => a.ts - b.ts);
  const events = backtest(o.loaded, [o.candidate], samples, { tickMs: o.resolution === '1m' ? 10_000 : 60_000 });
  const perAsset: DryRunResult['perAsset'] = Object.fromEntries(o.assets.map((a) => [a, { raised: 0, orders: 0, updates: 0, held: 0, firstRaised: null }]));
  const totals = { raised: 0, orders: 0, updates: 0, held: 0 };
  for (const e of events) {
    const a = (perAsset[e.asset] ??= { raised: 0, orders: 0, updates: 0, held: 0, firstRaised: null });
    const k = e.type === 'alarm' ? (e.change === 'raised' ? 'raised' : undefined) : e.type === 'workorder' ? 'orders' : e.type === 'update' ? 'updates' : 'held';
    if (!k) continue;
    a[k]++;
    totals[k]++;
    if (k === 'raised') a.firstRaised ??= e.ts;
  }
  return { from: isoTime(o.from), to: isoTime(o.to), resolution: o.resolution, value: o.value, assets: [...o.assets], samples: samples.length, events, ...totals, perAsset };
}
