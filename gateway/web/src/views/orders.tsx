import { useState } from 'preact/hooks';
import { ApiError, get, query } from '../api.js';
import { assetChoices, assetName } from '../names.js';
import { href } from '../router.js';
import type { WorkOrder } from '../types.js';
import { hours, pct } from '../units.js';
import { Card, Days, Empty, NotAvailable, Problem, useApi } from './common.js';
import { OrderTable } from './order-row.js';

interface Spread {
  n: number;
  mean: number | null;
  median: number | null;
}
interface MaintenanceKpis {
  backlog: { total: number; byPriority: Record<1 | 2 | 3 | 4, number>; byAge: { bucket: string; counts: Record<1 | 2 | 3 | 4, number>; total: number }[]; oldestDays: number | null };
  orders: { made: number; floods: number; held: number };
  shares: { counts: { condition: number; pm: number; corrective: number }; condition: number; pm: number; corrective: number };
  mttr: { toComplete: Spread; repair: Spread };
  mtbf: { asset: string; correctiveOrders: number; mtbfHours: number | null }[];
  conditionLeadTime: { toStart: Spread; toComplete: Spread; warning: Spread };
}

const sp = (s: Spread) => (s.n ? `${hours(s.median)} median, ${hours(s.mean)} mean (${s.n} order${s.n === 1 ? '' : 's'})` : '— (none yet)');

function MaintenanceKpiCards({ days }: { days: number }) {
  const kpis = useApi(() => get<MaintenanceKpis>(`/api/kpis/maintenance${query({ days })}`), [days]);
  if (kpis.error instanceof ApiError && kpis.error.missing && !kpis.data) return <NotAvailable what="Maintenance KPIs" route="GET /api/kpis/maintenance" />;
  const k = kpis.data;
  if (!k) return <Problem error={kpis.error} />;
  return (
    <div class="two" data-testid="maintenance-kpis">
      <div>
        <h3>Backlog: {k.backlog.total} open</h3>
        <table class="list backlog">
          <thead>
            <tr>
              <th>Age</th>
              <th>P1</th>
              <th>P2</th>
              <th>P3</th>
              <th>P4</th>
            </tr>
          </thead>
          <tbody>
            {k.backlog.byAge.map((r) => (
              <tr>
                <th>{r.bucket}</th>
                {([1, 2, 3, 4] as const).map((p) => (
                  <td class={r.counts[p] ? `n p${p}` : 'muted'}>{r.counts[p]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {k.backlog.oldestDays !== null ? <p class="muted small">Oldest open order: {hours(k.backlog.oldestDays * 24)}.</p> : null}
      </div>
      <dl class="facts">
        <dt>Orders made</dt>
        <dd>
          {k.orders.made} · condition {pct(k.shares.condition)} · PM {pct(k.shares.pm)} · corrective {pct(k.shares.corrective)}
          {k.orders.floods ? ` · ${k.orders.floods} flood orders, ${k.orders.held} held` : ''}
        </dd>
        <dt>MTTR (corrective)</dt>
        <dd>
          to completion {sp(k.mttr.toComplete)}; from the start of work {sp(k.mttr.repair)}
        </dd>
        <dt>Condition orders</dt>
        <dd>
          to the start of work {sp(k.conditionLeadTime.toStart)}; to completion {sp(k.conditionLeadTime.toComplete)}; warning before escalation {sp(k.conditionLeadTime.warning)}
        </dd>
        <dt>MTBF (between corrective orders)</dt>
        <dd>
          {k.mtbf.length
            ? k.mtbf.slice(0, 5).map((m) => (
                <span class="mtbf">
                  <a href={href.asset(m.asset)}>{assetName(m.asset)}</a> {m.mtbfHours === null ? '(1 corrective order: needs two)' : `${hours(m.mtbfHours)} (${m.correctiveOrders} orders)`}{' '}
                </span>
              ))
            : 'no corrective order in this window'}
        </dd>
      </dl>
    </div>
  );
}

const STATES = ['', 'pending', 'delivered', 'failed', 'dead', 'cancelled'];
const CMMS = ['', 'open', 'in_progress', 'completed', 'cancelled'];

/** Work orders with filters, their delivery and CMMS status, retry (technician) and cancel (admin); the maintenance KPIs. */
export function OrdersScreen() {
  const [days, setDays] = useState(90);
  const [state, setState] = useState('');
  const [asset, setAsset] = useState('');
  const [cmms, setCmms] = useState('');
  const [prio, setPrio] = useState('');
  const [text, setText] = useState('');
  const orders = useApi(() => get<WorkOrder[]>(`/api/work-orders${query({ state, asset: asset || undefined, limit: 300 })}`), [state, asset]);
  const shown = (orders.data ?? []).filter((o) => (!cmms || o.status === cmms) && (!prio || String(o.currentPriority ?? o.priority) === prio) && (!text || `${o.title} ${o.asset.name} ${o.rule.name}`.toLowerCase().includes(text.toLowerCase())));
  const sel = (v: string, set: (s: string) => void, opts: string[], label: string) => (
    <label>
      {label}{' '}
      <select value={v} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
        {opts.map((o) => (
          <option value={o}>{o === '' ? 'any' : o.replace('_', ' ')}</option>
        ))}
      </select>
    </label>
  );
  return (
    <div class="orders-screen" data-testid="orders">
      <Card title="Maintenance" right={<Days value={days} options={[7, 30, 90, 365]} onChange={setDays} />}>
        <MaintenanceKpiCards days={days} />
      </Card>
      <Card title="Work orders">
        <div class="filters">
          <input type="search" placeholder="Search title, asset, rule" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} aria-label="Search orders" />
          <label>
            Asset{' '}
            <select value={asset} onChange={(e) => setAsset((e.target as HTMLSelectElement).value)}>
              <option value="">any</option>
              {assetChoices().map(([id, name]) => (
                <option value={id}>{name}</option>
              ))}
            </select>
          </label>
          {sel(state, setState, STATES, 'Delivery')}
          {sel(cmms, setCmms, CMMS, 'CMMS')}
          {sel(prio, setPrio, ['', '1', '2', '3', '4'], 'Priority')}
        </div>
        <Problem error={orders.error} />
        {orders.data && shown.length === 0 ? <Empty>No work order matches.</Empty> : null}
        {shown.length ? <OrderTable orders={shown} reload={orders.reload} showAsset /> : null}
      </Card>
    </div>
  );
}
