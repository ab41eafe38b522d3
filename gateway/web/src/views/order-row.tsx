import { enc, post } from '../api.js';
import { href } from '../router.js';
import type { Delivery, WorkOrder } from '../types.js';
import { ago, time } from '../units.js';
import { Act, Priority } from './common.js';

const STATUS: Record<string, string> = { open: 'open', in_progress: 'in progress', completed: 'completed', cancelled: 'cancelled' };

/** Work orders as a table, newest first. */
export function OrderTable({ orders, reload, showAsset }: { orders: WorkOrder[]; reload: () => void; showAsset?: boolean }) {
  return (
    <table class="list orders">
      <thead>
        <tr>
          <th>Created</th>
          <th>P</th>
          <th>Order</th>
          <th>CMMS</th>
          <th>Delivery</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {orders.map((o) => (
          <OrderRow o={o} reload={reload} showAsset={showAsset} />
        ))}
      </tbody>
    </table>
  );
}

/** The deliveries of an order's updates to one target, summed up: `2 updates delivered`, or which did not arrive. */
function UpdateDeliveries({ all }: { all: Delivery[] }) {
  if (!all.length) return null;
  const done = all.filter((d) => d.state === 'delivered').length;
  const open = all.filter((d) => d.state !== 'delivered');
  return (
    <small class="muted updates-delivered">
      {' · '}
      {done === all.length ? `${all.length === 1 ? 'its update' : `${all.length} updates`} delivered` : `updates: ${done} of ${all.length} delivered`}
      {open.map((d) => (
        <span class={`d-${d.state}`} title={d.lastError ?? ''}>
          ; update {d.update} {d.state}
        </span>
      ))}
    </small>
  );
}

/** One work order: what, how urgent now, where it stands in the CMMS and in delivery; details fold out. */
export function OrderRow({ o, reload, showAsset }: { o: WorkOrder; reload: () => void; showAsset?: boolean }) {
  const current = o.currentPriority ?? o.priority;
  const retryable = o.deliveries.some((d) => d.state === 'failed' || d.state === 'dead' || d.state === 'pending');
  const cancellable = o.deliveries.some((d) => d.state !== 'delivered' && d.state !== 'cancelled');
  const notes = o.statusHistory.filter((h) => h.notes);
  return (
    <tr data-order={o.id} data-status={o.status}>
      <td class="lead" title={time(o.createdAt)}>
        {time(o.createdAt)}
        <br class="wide" />
        <small class="muted"> {ago(o.createdAt)}</small>
      </td>
      <td class="lead">
        <Priority p={current} />
        {current !== o.priority ? <small class="muted" title="escalated by a more urgent rule of its group"> was P{o.priority}</small> : null}
      </td>
      <td class="order-title">
        {showAsset ? (
          <>
            <a href={href.asset(o.asset.id)}>{o.asset.name}</a> ·{' '}
          </>
        ) : null}
        {o.title}
        {o.kind && o.kind !== 'condition' ? <span class="tag-flag">{o.kind === 'held' ? 'held by a flood' : o.kind}</span> : null}
        <details>
          <summary>
            {o.type} · rule {o.rule.name}
            {o.updates?.length ? ` · ${o.updates.length} update${o.updates.length > 1 ? 's' : ''}` : ''}
            {notes.length ? ' · notes' : ''}
          </summary>
          {o.description ? <p class="pre">{o.description}</p> : null}
          {o.updates?.length ? (
            <>
              <h4>Updates</h4>
              <ul class="log">
                {o.updates.map((u) => (
                  <li>
                    <b>{time(u.at)}</b> {u.escalated ? `escalated P${u.previousPriority} → P${u.priority}. ` : ''}
                    <span class="pre">{u.note}</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {o.statusHistory.length ? (
            <>
              <h4>CMMS status</h4>
              <ul class="log">
                {o.statusHistory.map((h) => (
                  <li>
                    <b>{time(h.at)}</b> {STATUS[h.status] ?? h.status}
                    {h.technician ? ` by ${h.technician}` : ''}
                    {h.notes ? <span class="pre"> — {h.notes}</span> : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </details>
      </td>
      <td data-label="CMMS" class={`cmms s-${o.status}`}>
        {STATUS[o.status] ?? o.status}
        {o.statusAt ? <small class="muted"> {ago(o.statusAt)}</small> : null}
        {notes.length ? <div class="small resolution">{notes[notes.length - 1]!.notes}</div> : null}
      </td>
      <td data-label="delivery" class="deliveries">
        {o.deliveries.length === 0 ? <small class="muted">{o.kind === 'held' ? 'not sent' : 'no target'}</small> : null}
        {o.deliveries
          .filter((d) => !d.update)
          .map((d) => (
            <div class={`d-${d.state}`} title={d.lastError ?? ''}>
              {d.target}: {d.state}
              {d.externalId ? (
                <>
                  {' as '}
                  <span class="nowrap">{d.externalId}</span>
                </>
              ) : null}
              {d.attempts > 1 ? ` (${d.attempts} tries)` : ''}
              {d.lastError && d.state !== 'delivered' ? <small class="err"> {d.lastError.slice(0, 80)}</small> : null}
              <UpdateDeliveries all={o.deliveries.filter((u) => u.update && u.target === d.target)} />
            </div>
          ))}
      </td>
      <td class="actions">
        {retryable ? <Act label="Retry" needs="technician" run={() => post(`/api/work-orders/${enc(o.id)}/retry`)} done={reload} /> : null}
        {cancellable ? <Act label="Cancel" needs="admin" kind="danger" confirm={`Cancel the delivery of “${o.title}”?`} run={() => post(`/api/work-orders/${enc(o.id)}/cancel`)} done={reload} /> : null}
      </td>
    </tr>
  );
}
