import { structuredPatch } from 'diff';
import { get, query } from '../api.js';
import { assetName, ruleName } from '../names.js';
import { time } from '../units.js';
import { Card, Empty, Problem, useApi } from './common.js';

interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

/** The audit log's actions in words (docs/security.md lists them). */
const ACTION: Record<string, string> = {
  'alarm.acknowledge': 'acknowledged',
  'alarm.shelve': 'shelved',
  'alarm.unshelve': 'unshelved',
  'asset.out_of_service': 'took out of service',
  'asset.in_service': 'returned to service',
  'order.retry': 'retried the order',
  'order.cancel': 'cancelled the order',
  'order.status': 'order status',
  'rule.save': 'saved',
  'rule.rollback': 'rolled back',
  'user.add': 'added the user',
  'user.role': 'changed the role',
  'user.password': 'changed the password',
  'user.remove': 'removed the user',
  'user.login': 'logged in',
  'user.logout': 'logged out',
  'token.create': 'made the token',
  'token.revoke': 'revoked the token',
};

/** What an entry acted on, named: `bearing-hot@p-101` → Bearing temperature high on Pump 101. */
function target(t: string): string {
  const at = /^([^@:]+)@(.+)$/.exec(t);
  if (at) return `${ruleName(at[1]!)} on ${assetName(at[2]!)}`;
  const kind = /^(asset|order|user|token):(.+)$/.exec(t);
  if (!kind) return t;
  return kind[1] === 'asset' ? assetName(kind[2]!) : `${kind[1]} ${kind[2]}`;
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * Before and after: a rule file's text as a line diff (`-` removed, `+` added, with two lines
 * around each change and the line numbers of the file after it); a state as the fields that changed.
 */
function Change({ before, after }: { before: unknown; after: unknown }) {
  if (typeof before === 'string' || typeof after === 'string') {
    const p = structuredPatch('before', 'after', typeof before === 'string' ? before : '', typeof after === 'string' ? after : '', undefined, undefined, { context: 2 });
    if (!p.hunks.length) return <p class="muted small">no change to the text</p>;
    return (
      <pre class="diff">
        {p.hunks.map((h) => (
          <>
            <span class="hunk">{`line ${h.newStart}\n`}</span>
            {h.lines.map((l) => (
              <span class={l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : ''}>{`${l[0]} ${l.slice(1)}\n`}</span>
            ))}
          </>
        ))}
      </pre>
    );
  }
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const changed = keys.filter((k) => show(b[k]) !== show(a[k]));
  return (
    <ul class="diff fields">
      {(changed.length ? changed : keys).map((k) => (
        <li>
          {k}: {k in b ? <span class="del">{show(b[k])}</span> : null}
          {k in b && k in a ? ' → ' : null}
          {k in a ? <span class="add">{show(a[k])}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** Logins and logouts name their user as the actor already; a login says where from. */
const SELF = new Set(['user.login', 'user.logout']);

/**
 * The audit log, newest first: who did what to what, when, and the state before and after;
 * `target` narrows it to one thing (a rule file's changes).
 */
export function AuditLog({ limit = 50, target: only, title = 'Audit log' }: { limit?: number; target?: string; title?: string }) {
  const a = useApi(() => get<AuditEntry[]>(`/api/audit${query({ limit, target: only })}`), [only]);
  return (
    <Card title={title}>
      <Problem error={a.error} />
      {a.data?.length ? (
        <table class="list audit" data-testid="audit">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
            </tr>
          </thead>
          <tbody>
            {a.data.map((e) => (
              <tr data-action={e.action} key={e.id}>
                <td class="lead">{time(e.at)}</td>
                <td class="lead">{e.actor}</td>
                <td>
                  <span title={e.action}>{ACTION[e.action] ?? e.action}</span> {SELF.has(e.action) ? null : <b>{target(e.target)}</b>}
                  {SELF.has(e.action) ? (
                    (e.after as { ip?: string } | undefined)?.ip ? <small class="muted"> from {(e.after as { ip: string }).ip}</small> : null
                  ) : e.before !== undefined || e.after !== undefined ? (
                    <details>
                      <summary>before / after</summary>
                      <Change before={e.before} after={e.after} />
                    </details>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : a.data ? (
        <Empty>{only ? 'No change recorded yet.' : 'Nothing recorded yet.'}</Empty>
      ) : null}
    </Card>
  );
}
