import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { now as gatewayNow } from '../clock.js';
import { assetName } from '../names.js';
import { can } from '../session.js';
import { time } from '../units.js';
import { Card, Empty, Priority, Problem } from './common.js';

/** An event of the replay, as `rules test --json` prints it (src/replay/events.ts). */
interface ReplayEvent {
  type: 'alarm' | 'workorder' | 'update' | 'held';
  ts: string;
  rule: string;
  asset: string;
  priority: number;
  change?: string;
  title?: string;
}

/** `POST /api/rules/dry-run`'s answer (gateway/rule-dry-run.ts). */
interface DryRun {
  resolution: '1m' | '1h';
  samples: number;
  events: ReplayEvent[];
  raised: number;
  orders: number;
  updates: number;
  held: number;
  perAsset: Record<string, { raised: number; orders: number; updates: number; held: number; firstRaised: string | null }>;
  rules: { id: string; name: string }[];
}

/** A time for a `datetime-local` input, in the browser's zone. */
const localInput = (ms: number) => {
  const d = new Date(ms);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** One row per raise: an alarm raised and the order it made (or the update, or the hold) together. */
function fold(events: ReplayEvent[]): (ReplayEvent & { raised: boolean })[] {
  const rows: (ReplayEvent & { raised: boolean })[] = [];
  for (const e of events) {
    if (e.type === 'alarm') {
      if (e.change === 'raised') rows.push({ ...e, raised: true });
      continue;
    }
    const prev = rows[rows.length - 1];
    if (prev && prev.type === 'alarm' && prev.raised && prev.asset === e.asset && prev.rule === e.rule && prev.ts === e.ts) rows[rows.length - 1] = { ...e, raised: true };
    else rows.push({ ...e, raised: false });
  }
  return rows;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The dry run: the edited text of `file` replayed over the local history of the assets its rules
 * select, in place of the file as saved; lists when it would have raised alarms and made orders.
 */
export function DryRunPanel({ file, yamlText }: { file: string; yamlText: string }) {
  const [from, setFrom] = useState(localInput(gatewayNow() - 7 * 86_400_000));
  const [to, setTo] = useState(localInput(gatewayNow()));
  // Until a time is changed the gateway takes its default, the 7 days before now: its 1-minute
  // history still covers them (a start a minute older, as the inputs round it, would be replayed hourly).
  const [chosen, setChosen] = useState(false);
  const [res, setRes] = useState<DryRun | undefined>();
  const [err, setErr] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const fired = res ? fold(res.events) : [];
  const names = new Map(res?.rules.map((r) => [r.id, r.name]));
  const rule = (id: string) => names.get(id) ?? id;
  const hit = res ? Object.entries(res.perAsset).filter(([, a]) => a.raised || a.orders) : [];
  return (
    <Card title="Dry run against local history">
      <div class="filters">
        <label>
          from <input type="datetime-local" value={from} onInput={(e) => (setFrom((e.target as HTMLInputElement).value), setChosen(true))} />
        </label>
        <label>
          to <input type="datetime-local" value={to} onInput={(e) => (setTo((e.target as HTMLInputElement).value), setChosen(true))} />
        </label>
        <button
          type="button"
          disabled={busy || !can('engineer')}
          title={can('engineer') ? 'Replay the history of the assets these rules select through this text' : 'needs the engineer role'}
          onClick={async () => {
            setBusy(true);
            setErr(undefined);
            try {
              const range = chosen ? { from: new Date(from).toISOString(), to: new Date(to).toISOString() } : {};
              setRes(await post<DryRun>('/api/rules/dry-run', { file, yaml: yamlText, ...range }));
            } catch (e) {
              setErr(e as Error);
              setRes(undefined);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Running…' : 'Dry run'}
        </button>
      </div>
      <Problem error={err} />
      {res ? (
        <div data-testid="dry-run">
          <p>
            Over {res.samples.toLocaleString()} samples ({res.resolution === '1m' ? 'one a minute' : 'one an hour'} per tag): <b>{plural(res.orders, 'work order')}</b>, {plural(res.updates, 'update')} of open orders, {res.held} held by the flood guard; {plural(res.raised, 'alarm raise')}.
          </p>
          {hit.length ? (
            <ul class="per-asset">
              {hit.map(([id, a]) => (
                <li>
                  <b>{assetName(id)}</b>: {plural(a.raised, 'raise')}, {plural(a.orders, 'order')}
                  {a.firstRaised ? `, first ${time(a.firstRaised)}` : ''}
                </li>
              ))}
            </ul>
          ) : null}
          {fired.length ? (
            <table class="list">
              <thead>
                <tr>
                  <th>When</th>
                  <th>P</th>
                  <th>Asset</th>
                  <th>What</th>
                </tr>
              </thead>
              <tbody>
                {fired.slice(0, 200).map((e) => (
                  <tr data-event={e.type}>
                    <td class="lead">{time(e.ts)}</td>
                    <td class="lead">
                      <Priority p={e.priority} />
                    </td>
                    <td class="lead">{assetName(e.asset)}</td>
                    <td>
                      {e.raised ? `${rule(e.rule)} raised` : ''}
                      {e.raised && e.type !== 'alarm' ? ' → ' : ''}
                      {e.type === 'workorder' ? `work order “${e.title}”` : e.type === 'update' ? `update of the open order: ${e.title ?? ''}` : e.type === 'held' ? `order held by the flood guard: “${e.title}”` : e.raised ? '' : rule(e.rule)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>It would not have fired in this window.</Empty>
          )}
          {fired.length > 200 ? <p class="muted small">The first 200 of {fired.length} are shown.</p> : null}
        </div>
      ) : null}
    </Card>
  );
}
