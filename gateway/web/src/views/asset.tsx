import { useMemo, useState } from 'preact/hooks';
import { ApiError, enc, get, post, query } from '../api.js';
import { href } from '../router.js';
import type { Alarm, Asset, AssetHealth, HistoryPoint, Tag, WorkOrder } from '../types.js';
import { ago, time, unitsIn, value } from '../units.js';
import { tick as liveTick } from '../live.js';
import { now as gatewayNow } from '../clock.js';
import { assetName } from '../names.js';
import { can } from '../session.js';
import { Chart, type ChartPoint } from './chart.js';
import { Act, Card, Empty, NotAvailable, Priority, Problem, Score, useApi } from './common.js';
import { OrderTable } from './order-row.js';

const RANGES: [string, number][] = [
  ['1 h', 3_600_000],
  ['6 h', 6 * 3_600_000],
  ['24 h', 24 * 3_600_000],
  ['7 days', 7 * 86_400_000],
  ['30 days', 30 * 86_400_000],
];

/**
 * Values seen by this page since it opened, per tag: the chart's data where the gateway keeps no
 * local history (its history route is missing), so a chart still shows what is happening now.
 */
const seen = new Map<string, ChartPoint[]>();
function remember(asset: Asset): void {
  for (const t of asset.tags) {
    if (typeof t.value !== 'number' || !t.ts || t.quality === 'Bad') continue;
    const key = `${asset.id}/${t.id}`;
    const l = seen.get(key) ?? [];
    const ts = Date.parse(t.ts);
    if (!l.length || l[l.length - 1]!.t < ts) l.push({ t: ts, v: t.value });
    if (l.length > 5000) l.shift();
    seen.set(key, l);
  }
}

function TagCard({ asset, tag, health, range, tick }: { asset: Asset; tag: Tag; health: AssetHealth | undefined; range: number; tick: number }) {
  const live = liveTick.value;
  const [to, from] = useMemo(() => {
    const now = gatewayNow();
    return [now, now - range];
  }, [range, tick, live]);
  const hist = useApi(
    () => get<{ resolution: string; points: HistoryPoint[] }>(`/api/assets/${enc(asset.id)}/tags/${enc(tag.id)}/history${query({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), resolution: 'auto' })}`),
    [asset.id, tag.id, from, to],
    false,
  );
  const missing = hist.error instanceof ApiError && hist.error.missing;
  const points: ChartPoint[] = useMemo(() => {
    if (hist.data) return hist.data.points.map((x) => ({ t: Date.parse(x.t), v: x.avg ?? x.last, min: hist.data!.resolution === 'raw' ? undefined : x.min, max: hist.data!.resolution === 'raw' ? undefined : x.max }));
    return (seen.get(`${asset.id}/${tag.id}`) ?? []).filter((x) => x.t >= from);
  }, [hist.data, from, to]);
  const limits = useMemo(() => (health?.limits ?? []).filter((l) => l.tag === tag.id), [health]);
  const trend = health?.trends.find((t) => t.tag === tag.id);
  return (
    <section class="card tag" data-tag={tag.id}>
      <header class="card-head">
        <h3>{tag.name}</h3>
        <span class={`reading q-${tag.quality ?? 'none'}`} title={tag.ts ? `${time(tag.ts)}${tag.reason ? ` · ${tag.reason}` : ''}` : 'no value yet'}>
          {value(tag.value, tag.unit)}
          {tag.quality && tag.quality !== 'Good' ? <small> {tag.quality}</small> : null}
          <small class="muted"> {tag.ts ? ago(tag.ts) : 'never'}</small>
        </span>
      </header>
      {trend && trend.hours !== null && Number.isFinite(trend.hours) ? (
        <p class="trend-note">
          {trend.name}: reaches {value(trend.limit, tag.unit)} in about {trend.hours < 48 ? `${Math.round(trend.hours)} h` : `${Math.round(trend.hours / 24)} days`} ({time(gatewayNow() + trend.hours * 3_600_000)})
        </p>
      ) : null}
      {missing ? <p class="muted small">Local history is not available on this gateway: the chart shows values received since this page opened.</p> : null}
      <Problem error={missing ? undefined : hist.error} />
      <Chart points={points} unit={tag.unit} from={missing && points.length ? Math.max(from, points[0]!.t - 60_000) : from} to={to} limits={limits} trend={trend} label={tag.name} onOff={typeof tag.value === 'boolean'} />
    </section>
  );
}

const SHELVE = ['15m', '1h', '4h', '8h'];

function AlarmActions({ asset, a, reload }: { asset: string; a: Alarm; reload: () => void }) {
  const [dur, setDur] = useState('1h');
  const base = `/api/alarms/${enc(a.rule)}/${enc(asset)}`;
  return (
    <div class="actions">
      {!a.acknowledged && a.state !== 'out_of_service' ? <Act label="Acknowledge" needs="technician" run={() => post(`${base}/ack`)} done={reload} /> : null}
      {a.state === 'shelved' ? (
        <Act label="Unshelve" needs="technician" run={() => post(`${base}/unshelve`)} done={reload} />
      ) : a.state !== 'out_of_service' ? (
        <span class="shelve">
          <select value={dur} disabled={!can('technician')} onChange={(e) => setDur((e.target as HTMLSelectElement).value)} aria-label="shelve for">
            {SHELVE.map((d) => (
              <option value={d}>{d}</option>
            ))}
          </select>
          <Act label="Shelve" needs="technician" run={() => post(`${base}/shelve`, { duration: dur })} done={reload} />
        </span>
      ) : null}
    </div>
  );
}

const STATE: Record<string, string> = {
  unacknowledged: 'active, unacknowledged',
  acknowledged: 'active, acknowledged',
  rtn_unacknowledged: 'cleared, unacknowledged',
  shelved: 'shelved',
  out_of_service: 'out of service',
  normal: 'normal',
};

export function AlarmTable({ alarms, asset, reload, showAsset }: { alarms: (Alarm & { asset?: string })[]; asset?: string; reload: () => void; showAsset?: boolean }) {
  if (!alarms.length) return <Empty>No alarm.</Empty>;
  return (
    <table class="list alarms">
      <thead>
        <tr>
          <th>P</th>
          {showAsset ? <th>Asset</th> : null}
          <th>Alarm</th>
          <th>State</th>
          <th>Since</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {alarms.map((a) => (
          <tr data-alarm={`${a.rule}@${a.asset ?? asset}`} data-state={a.state} class={a.active ? 'on' : ''}>
            <td class="lead">
              <Priority p={a.priority} />
            </td>
            {showAsset ? (
              <td class="lead">
                <a href={href.asset(a.asset!)}>{assetName(a.asset!)}</a>
              </td>
            ) : null}
            <td class="lead">
              {a.name}
              {a.chattering ? <span class="tag-flag">chattering</span> : null}
              {a.repeating ? <span class="tag-flag">repeating</span> : null}
            </td>
            <td class="state">
              {STATE[a.state] ?? a.state}
              {a.shelvedUntil ? <small> until {time(a.shelvedUntil)}</small> : null}
            </td>
            <td data-label="since" title={a.since ? time(a.since) : ''}>{a.since ? ago(a.since) : '—'}</td>
            <td>
              <AlarmActions asset={a.asset ?? asset!} a={a} reload={reload} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One asset: health and why, each tag's chart with its limits and trend, its alarms with commands, its orders. */
export function AssetScreen({ id }: { id: string }) {
  const asset = useApi(() => get<Asset>(`/api/assets/${enc(id)}`).then((a) => (remember(a), a)), [id]);
  const health = useApi(() => get<AssetHealth>(`/api/assets/${enc(id)}/health`), [id]);
  const orders = useApi(() => get<WorkOrder[]>(`/api/assets/${enc(id)}/work-orders${query({ limit: 50 })}`), [id]);
  const [range, setRange] = useState(RANGES[2]![1]);
  const [n, setN] = useState(0);
  const reload = () => {
    asset.reload();
    health.reload();
    orders.reload();
  };
  const a = asset.data;
  if (asset.error && !a) return (asset.error as ApiError).status === 404 ? <Empty>No asset “{id}”. <a href={href.overview()}>Back to the overview</a></Empty> : <Problem error={asset.error} />;
  if (!a) return <Empty>Loading…</Empty>;
  const h = health.data;
  const oos = a.alarms.some((x) => x.state === 'out_of_service');
  return (
    <div class="asset" data-testid="asset" data-asset={a.id}>
      <nav class="crumbs">
        <a href={href.overview()}>Overview</a>
        {a.location.slice(0, -1).map((l) => (
          <span> › {l.name}</span>
        ))}
      </nav>
      <Card>
        <div class="summary">
          {h ? <Score score={h.score} big /> : null}
          <div class="grow">
            <h1>
              {a.name} <span class={`crit c${a.criticality}`}>{a.criticality}</span>
            </h1>
            <div class="muted">
              {[a.class, a.manufacturer, a.model, a.serialNumber ? `S/N ${a.serialNumber}` : null]
                .filter(Boolean)
                .map((x, i) => (
                  <>
                    {i ? ' · ' : ''}
                    <span class="nowrap">{x}</span>
                  </>
                ))}
            </div>
            {health.error && (health.error as ApiError).missing ? <NotAvailable what="Asset health" route="GET /api/assets/:id/health" /> : null}
            {h && h.reasons.length ? (
              <ul class="reasons" data-testid="reasons">
                {h.reasons.map((r) => (
                  <li class={`reason k-${r.kind}`}>
                    <span class="weight">{r.weight ? `−${r.weight}` : '·'}</span> {unitsIn(r.detail)}
                  </li>
                ))}
              </ul>
            ) : h ? (
              <p class="muted">Nothing to look at.</p>
            ) : null}
            {h?.pm.length ? (
              <p class="muted small">
                {h.pm.map((m) => `${m.name}: ${Math.round(m.value)} of ${m.due} ${m.unit}`).join(' · ')}
              </p>
            ) : null}
          </div>
          <div class="oos">
            {oos ? (
              <Act label="Return to service" needs="technician" run={() => post(`/api/assets/${enc(a.id)}/out-of-service`, { enabled: false })} done={reload} />
            ) : (
              <Act label="Take out of service" needs="technician" confirm={`Take ${a.name} out of service? Its alarms make no work orders until it returns.`} run={() => post(`/api/assets/${enc(a.id)}/out-of-service`, { enabled: true })} done={reload} />
            )}
          </div>
        </div>
      </Card>
      <Card title="Alarms" id="alarms">
        <AlarmTable alarms={a.alarms} asset={a.id} reload={reload} />
      </Card>
      <div class="range" role="group" aria-label="chart range">
        {RANGES.map(([label, ms]) => (
          <button type="button" class={range === ms ? 'on' : ''} onClick={() => (setRange(ms), setN((x) => x + 1))}>
            {label}
          </button>
        ))}
      </div>
      <div class="charts">
        {a.tags.map((t) => (
          <TagCard asset={a} tag={t} health={h} range={range} tick={n} key={t.id} />
        ))}
      </div>
      <Card title="Work orders" id="orders">
        <Problem error={orders.error} />
        {orders.data && orders.data.length === 0 ? <Empty>No work order for this asset.</Empty> : null}
        {orders.data?.length ? <OrderTable orders={orders.data} reload={orders.reload} /> : null}
      </Card>
    </div>
  );
}
