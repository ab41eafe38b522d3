import { useState } from 'preact/hooks';
import { ApiError, get, query } from '../api.js';
import { now as gatewayNow } from '../clock.js';
import { href } from '../router.js';
import type { Alarm } from '../types.js';
import { num, pct } from '../units.js';
import { AlarmTable } from './asset.js';
import { Card, Days, Empty, NotAvailable, Priority, Problem, useApi } from './common.js';

interface AlarmKpis {
  total: number;
  perDay: { average: number; max: number; days: { day: string; count: number }[] };
  per10min: { average: number; max: number };
  flood: { slots: number; timeShare: number };
  badActors: { top: { rule: string; name?: string; asset: string; assetName?: string; priority: number; count: number; share: number }[]; topTenShare: number };
  chattering: string[];
  standing: number;
  stale: { rule: string; asset: string; name: string; priority: number; activeHours: number }[];
  stalePerDayMax: number;
  priorityMix: { counts: { high: number; medium: number; low: number }; shares: { high: number; medium: number; low: number } };
  targets: { perDay: { acceptable: number; manageable: number }; per10min: { acceptable: number; manageable: number }; flood: { maxShare: number }; topTenMaxShare: number; staleMaxPerDay: number; priorityMix: { low: number; medium: number; high: number } };
}

/** A figure against its target: green within, amber up to the limit, red beyond. */
function Kpi({ label, value, note, ok, warn, testid }: { label: string; value: string; note: string; ok: boolean; warn?: boolean; testid?: string }) {
  return (
    <div class={`kpi ${ok ? 'good' : warn ? 'watch' : 'act'}`} data-kpi={testid}>
      <div class="kpi-value">{value}</div>
      <div class="kpi-label">{label}</div>
      <div class="kpi-note">{note}</div>
    </div>
  );
}

function Mix({ k }: { k: AlarmKpis }) {
  const rows: ['high' | 'medium' | 'low', string][] = [
    ['high', 'high (P1)'],
    ['medium', 'medium (P2)'],
    ['low', 'low (P3, P4)'],
  ];
  return (
    <table class="mix">
      <tbody>
        {rows.map(([lvl, label]) => (
          <tr>
            <th>{label}</th>
            <td class="bar">
              <div class="track">
                <span class={`fill ${lvl}`} style={{ width: `${Math.round(k.priorityMix.shares[lvl] * 100)}%` }} />
                <span class="target" style={{ left: `${k.targets.priorityMix[lvl] * 100}%` }} title={`guideline ${pct(k.targets.priorityMix[lvl])}`} />
              </div>
            </td>
            <td>
              {pct(k.priorityMix.shares[lvl])} <small class="muted">({k.priorityMix.counts[lvl]}; guideline {pct(k.targets.priorityMix[lvl])})</small>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AlarmKpiCards({ days }: { days: number }) {
  const kpis = useApi(() => get<AlarmKpis>(`/api/kpis/alarms${query({ days })}`), [days]);
  if (kpis.error instanceof ApiError && kpis.error.missing && !kpis.data) return <NotAvailable what="Alarm KPIs" route="GET /api/kpis/alarms" />;
  const k = kpis.data;
  if (!k) return <Problem error={kpis.error} />;
  const t = k.targets;
  return (
    <>
      <div class="kpis" data-testid="alarm-kpis">
        <Kpi testid="per-day" label="alarms per day" value={num(k.perDay.average)} note={`max ${k.perDay.max}; ~${t.perDay.acceptable} acceptable, ${t.perDay.manageable} manageable`} ok={k.perDay.average <= t.perDay.acceptable} warn={k.perDay.average <= t.perDay.manageable} />
        <Kpi label="per 10 minutes" value={num(k.per10min.average, 2)} note={`max ${k.per10min.max}; ~${t.per10min.acceptable} acceptable`} ok={k.per10min.average <= t.per10min.acceptable} warn={k.per10min.average <= t.per10min.manageable} />
        <Kpi label="time in flood" value={pct(k.flood.timeShare)} note={`${k.flood.slots} ten-minute periods with > 10 alarms; under ${pct(t.flood.maxShare)}`} ok={k.flood.timeShare <= t.flood.maxShare} />
        <Kpi label="top 10 share" value={pct(k.badActors.topTenShare)} note={`of all alarms; 1 to 5 % at most`} ok={k.badActors.topTenShare <= t.topTenMaxShare} warn={k.total < 50} />
        <Kpi label="standing now" value={String(k.standing)} note="active alarms; fewer than 10" ok={k.standing < 10} />
        <Kpi label="stale (> 24 h)" value={String(k.stale.length)} note={`most on one day: ${k.stalePerDayMax}; fewer than ${t.staleMaxPerDay}`} ok={k.stalePerDayMax < t.staleMaxPerDay && k.stale.length < t.staleMaxPerDay} />
        <Kpi label="chattering" value={String(k.chattering.length)} note="none is the target" ok={k.chattering.length === 0} />
      </div>
      <div class="two">
        <Card title="Priority mix (ISA-18.2: ~80 / 15 / 5 %)">
          {k.total ? <Mix k={k} /> : <Empty>No alarm in this window.</Empty>}
        </Card>
        <Card title="Top 10 bad actors">
          {k.badActors.top.length ? (
            <table class="list">
              <thead>
                <tr>
                  <th>P</th>
                  <th>Alarm</th>
                  <th>Raised</th>
                  <th>Share</th>
                </tr>
              </thead>
              <tbody>
                {k.badActors.top.map((a) => (
                  <tr>
                    <td class="lead">
                      <Priority p={a.priority} />
                    </td>
                    <td class="lead">
                      {a.name ?? a.rule} on <a href={href.asset(a.asset)}>{a.assetName ?? a.asset}</a>
                    </td>
                    <td data-label="raised">{a.count}</td>
                    <td data-label="share">{pct(a.share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No alarm in this window.</Empty>
          )}
        </Card>
      </div>
    </>
  );
}

/** The alarm console: active, shelved, chattering and stale alarms with their commands, and the alarm-system KPIs. */
export function AlarmsScreen() {
  const [days, setDays] = useState(7);
  const alarms = useApi(() => get<{ alarms: (Alarm & { asset: string })[] }>('/api/alarms'));
  const [tab, setTab] = useState<'active' | 'shelved' | 'chattering' | 'stale' | 'all'>('active');
  const all = alarms.data?.alarms ?? [];
  const dayAgo = gatewayNow() - 86_400_000;
  const lists = {
    active: all.filter((a) => a.active && a.state !== 'shelved' && a.state !== 'out_of_service'),
    shelved: all.filter((a) => a.state === 'shelved'),
    chattering: all.filter((a) => a.chattering || a.repeating),
    stale: all.filter((a) => a.active && a.since && Date.parse(a.since) < dayAgo),
    all,
  };
  const order = (l: typeof all) => [...l].sort((a, b) => a.priority - b.priority || Date.parse(a.since ?? '') - Date.parse(b.since ?? ''));
  return (
    <div class="alarms-screen" data-testid="alarms">
      <Card title="Alarms" right={<Days value={days} options={[1, 7, 30]} onChange={setDays} />}>
        <AlarmKpiCards days={days} />
      </Card>
      <Card>
        <div class="tabs" role="tablist">
          {(Object.keys(lists) as (keyof typeof lists)[]).map((k) => (
            <button type="button" role="tab" aria-selected={tab === k} class={tab === k ? 'on' : ''} onClick={() => setTab(k)}>
              {k === 'stale' ? 'stale (> 24 h)' : k === 'chattering' ? 'chattering / repeating' : k} <span class="count">{lists[k].length}</span>
            </button>
          ))}
        </div>
        <Problem error={alarms.error} />
        <AlarmTable alarms={order(lists[tab])} reload={alarms.reload} showAsset />
      </Card>
    </div>
  );
}
