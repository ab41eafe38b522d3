import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { href } from '../router.js';
import type { AlarmCounts, HealthNode } from '../types.js';
import { unitsIn } from '../units.js';
import { band, Card, Empty, NotAvailable, Problem, Score, useApi } from './common.js';

function AlarmChips({ c }: { c: AlarmCounts }) {
  const ps = ([1, 2, 3, 4] as const).filter((p) => c[p] > 0);
  if (!ps.length) return <span class="muted">no active alarm</span>;
  return (
    <span class="chips">
      {ps.map((p) => (
        <span class={`prio p${p}`} title={`${c[p]} active P${p} alarm${c[p] > 1 ? 's' : ''}`}>
          {c[p]}× P{p}
        </span>
      ))}
    </span>
  );
}

function Tile({ a }: { a: HealthNode }) {
  const top = a.reasons.find((r) => r.weight > 0) ?? a.reasons[0];
  return (
    <a class={`tile ${band(a.score)}`} href={href.asset(a.id)} data-asset={a.id} data-score={a.score}>
      <div class="tile-head">
        <Score score={a.score} />
        <span class="tile-name">{a.name}</span>
        {a.criticality ? (
          <span class={`crit c${a.criticality}`} title={`criticality ${a.criticality}`}>
            {a.criticality}
          </span>
        ) : null}
      </div>
      <div class="tile-reason">{top ? unitsIn(top.detail) : 'nothing to look at'}</div>
      <div class="tile-foot">
        <AlarmChips c={a.activeAlarms} />
        {a.openOrders ? <span class="orders">{a.openOrders} open order{a.openOrders > 1 ? 's' : ''}</span> : null}
      </div>
    </a>
  );
}

const matches = (n: HealthNode, q: string, attention: boolean): boolean =>
  n.level === 'asset' ? (!q || n.name.toLowerCase().includes(q) || n.id.toLowerCase().includes(q)) && (!attention || n.score < 80) : n.children.some((c) => matches(c, q, attention));

function Group({ n, q, attention, depth }: { n: HealthNode; q: string; attention: boolean; depth: number }) {
  const assets = n.children.filter((c) => c.level === 'asset' && matches(c, q, attention));
  const groups = n.children.filter((c) => c.level !== 'asset' && matches(c, q, attention));
  const H = depth === 0 ? 'h2' : 'h3';
  return (
    <div class={`group level-${n.level}`} data-node={n.id}>
      <H class="group-head">
        <Score score={n.score} />
        <span>{n.name}</span>
        <small class="muted">
          {n.level} · <AlarmChips c={n.activeAlarms} /> · {n.openOrders} open order{n.openOrders === 1 ? '' : 's'}
        </small>
      </H>
      {assets.length ? (
        <div class="tiles">
          {assets.map((a) => (
            <Tile a={a} key={a.id} />
          ))}
        </div>
      ) : null}
      {groups.map((g) => (
        <Group n={g} q={q} attention={attention} depth={depth + 1} key={g.id} />
      ))}
    </div>
  );
}

let early: Promise<HealthNode | null> | undefined;

/** Starts reading the tree while the page still asks who the user is (the overview is the first screen). */
export function prefetchTree(): void {
  early = get<HealthNode | null>('/api/health/tree');
  early.catch(() => undefined);
}

/** The plant at a glance: the hierarchy coloured by health, worst first, with active alarms and open orders. */
export function Overview() {
  const tree = useApi(() => {
    const p = early ?? get<HealthNode | null>('/api/health/tree');
    early = undefined;
    return p;
  });
  const [q, setQ] = useState('');
  const [attention, setAttention] = useState(false);
  if (tree.error && (tree.error as { status?: number }).status === 404 && !tree.data) return <NotAvailable what="Asset health" route="GET /api/health/tree" />;
  const t = tree.data;
  const total = t ? t.activeAlarms[1] + t.activeAlarms[2] + t.activeAlarms[3] + t.activeAlarms[4] : 0;
  return (
    <div class="overview" data-testid="overview">
      <Problem error={tree.error} />
      {t === undefined ? (
        <Empty>Loading…</Empty>
      ) : t === null ? (
        <Empty>This site has no assets.</Empty>
      ) : (
        <>
          <Card>
            <div class="summary">
              <Score score={t.score} big />
              <div>
                <div class="summary-title">{t.name}</div>
                <div>
                  Worst: <a href={href.asset(t.worst.id)}>{t.worst.name}</a> ({Math.round(t.worst.score)}) · {total} active alarm{total === 1 ? '' : 's'} · {t.openOrders} order{t.openOrders === 1 ? '' : 's'} open in the CMMS
                </div>
                <AlarmChips c={t.activeAlarms} />
              </div>
            </div>
            <div class="filters">
              <input type="search" placeholder="Find an asset" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value.trim().toLowerCase())} aria-label="Find an asset" />
              <label>
                <input type="checkbox" checked={attention} onChange={(e) => setAttention((e.target as HTMLInputElement).checked)} /> needing attention only (below 80)
              </label>
            </div>
          </Card>
          {t.children
            .filter((c) => matches(c, q, attention))
            .map((c) =>
              c.level === 'asset' ? (
                <div class="tiles">
                  <Tile a={c} key={c.id} />
                </div>
              ) : (
                <Group n={c} q={q} attention={attention} depth={0} key={c.id} />
              ),
            )}
        </>
      )}
    </div>
  );
}
