import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, enc, get, post, put, query } from '../api.js';
import { go, href } from '../router.js';
import { can } from '../session.js';
import { time } from '../units.js';
import { Act, Card, Empty, NotAvailable, Priority, Problem, useApi } from './common.js';
import { YamlEditor, type Problem as YamlProblem } from './editor.js';

interface RuleFile {
  file: string;
  version: string | number;
  updatedAt: string;
}
interface RuleSummary {
  id: string;
  name: string;
  file: string;
  priority: number;
  group?: string;
  assets: string[];
  enabled: boolean;
}
interface Validation {
  ok: boolean;
  problems: YamlProblem[];
  rules: { id: string; assets: string[] }[];
}
interface ReplayEvent {
  type: 'alarm' | 'workorder' | 'update' | 'held';
  ts: string;
  rule: string;
  asset: string;
  priority: number;
  change?: string;
  title?: string;
}
interface DryRun {
  events: ReplayEvent[];
  orders: number;
  updates: number;
  held: number;
  perAsset?: Record<string, unknown>;
}
interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

const localInput = (ms: number) => {
  const d = new Date(ms);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function DryRunPanel({ yamlText }: { yamlText: string }) {
  const [from, setFrom] = useState(localInput(Date.now() - 7 * 86_400_000));
  const [to, setTo] = useState(localInput(Date.now()));
  const [res, setRes] = useState<DryRun | undefined>();
  const [err, setErr] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const fired = res?.events.filter((e) => e.type === 'workorder' || (e.type === 'alarm' && e.change === 'raised')) ?? [];
  const raises = fired.filter((e) => e.type === 'alarm').length;
  return (
    <Card title="Dry run against local history">
      <div class="filters">
        <label>
          from <input type="datetime-local" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          to <input type="datetime-local" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <button
          type="button"
          disabled={busy || !can('engineer')}
          title={can('engineer') ? 'Replay the assets’ history through this text' : 'needs the engineer role'}
          onClick={async () => {
            setBusy(true);
            setErr(undefined);
            try {
              setRes(await post<DryRun>('/api/rules/dry-run', { yaml: yamlText, from: new Date(from).toISOString(), to: new Date(to).toISOString() }));
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
      {err instanceof ApiError && err.missing ? <NotAvailable what="The dry run" route="POST /api/rules/dry-run" /> : <Problem error={err} />}
      {res ? (
        <div data-testid="dry-run">
          <p>
            <b>{res.orders}</b> work order{res.orders === 1 ? '' : 's'}, {res.updates} update{res.updates === 1 ? '' : 's'}, {res.held} held; {raises} alarm raise{raises === 1 ? '' : 's'}.
          </p>
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
                    <td>{time(e.ts)}</td>
                    <td>
                      <Priority p={e.priority} />
                    </td>
                    <td>{e.asset}</td>
                    <td>{e.type === 'workorder' ? `order: ${e.title ?? e.rule}` : `${e.rule} raised`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>It would not have fired in this window.</Empty>
          )}
        </div>
      ) : null}
    </Card>
  );
}

function Versions({ file, onRolledBack }: { file: string; onRolledBack: () => void }) {
  const v = useApi(() => get<{ version: string | number; at: string; actor: string }[]>(`/api/rules/files/${enc(file)}/versions`), [file]);
  if (v.error instanceof ApiError && v.error.missing) return <NotAvailable what="Rule versions" route="GET /api/rules/files/:file/versions" />;
  return (
    <Card title="Versions">
      <Problem error={v.error} />
      {v.data?.length ? (
        <table class="list">
          <tbody>
            {v.data.map((x, i) => (
              <tr>
                <td>{time(x.at)}</td>
                <td>{x.actor}</td>
                <td>{i === 0 ? <small class="muted">current</small> : <Act label="Roll back to this" needs="engineer" confirm={`Roll ${file} back to the version of ${time(x.at)}?`} run={() => post(`/api/rules/files/${enc(file)}/rollback`, { version: x.version })} done={onRolledBack} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No earlier version.</Empty>
      )}
    </Card>
  );
}

export function AuditLog({ limit = 50 }: { limit?: number }) {
  const a = useApi(() => get<AuditEntry[]>(`/api/audit${query({ limit })}`));
  if (a.error instanceof ApiError && a.error.missing) return <NotAvailable what="The audit log" route="GET /api/audit" />;
  return (
    <Card title="Audit log">
      <Problem error={a.error} />
      {a.data?.length ? (
        <table class="list audit" data-testid="audit">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>On</th>
            </tr>
          </thead>
          <tbody>
            {a.data.map((e) => (
              <tr>
                <td>{time(e.at)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>
                  {e.target}
                  {e.before !== undefined || e.after !== undefined ? (
                    <details>
                      <summary>before / after</summary>
                      <pre class="diff">{JSON.stringify({ before: e.before, after: e.after }, null, 2).slice(0, 4000)}</pre>
                    </details>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : a.data ? (
        <Empty>Nothing recorded yet.</Empty>
      ) : null}
    </Card>
  );
}

function FileEditor({ file }: { file: string }) {
  const loaded = useApi(() => get<{ file: string; yaml: string; version: string | number }>(`/api/rules/files/${enc(file)}`), [file], false);
  const [text, setText] = useState<string | undefined>();
  const [version, setVersion] = useState<string | number | undefined>();
  const [check, setCheck] = useState<Validation | undefined>();
  const [checkMissing, setCheckMissing] = useState(false);
  const [saveErr, setSaveErr] = useState<Error | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [auditKey, setAuditKey] = useState(0);
  const last = useRef('');
  useEffect(() => {
    if (loaded.data) {
      setText(loaded.data.yaml);
      setVersion(loaded.data.version);
      last.current = loaded.data.yaml;
    }
  }, [loaded.data]);
  if (loaded.error) return (loaded.error as ApiError).missing ? <Empty>No rule file “{file}”.</Empty> : <Problem error={loaded.error} />;
  if (text === undefined) return <Empty>Loading…</Empty>;
  const dirty = text !== last.current;
  const validate = async (t: string): Promise<YamlProblem[]> => {
    try {
      const r = await post<Validation>('/api/rules/validate', { file, yaml: t });
      setCheck(r);
      return r.problems;
    } catch (e) {
      if (e instanceof ApiError && e.missing) setCheckMissing(true);
      return [];
    }
  };
  return (
    <>
      <Card
        title={file}
        right={
          <span class="actions">
            {saved ? <small class="ok">{saved}</small> : null}
            <button type="button" disabled={!dirty} onClick={() => setText(last.current)}>
              Revert
            </button>
            <Act
              label="Save and reload"
              needs="engineer"
              disabled={check?.ok === false}
              why="the text has problems (listed below the editor)"
              run={async () => {
                setSaveErr(undefined);
                try {
                  const r = await put<{ version: string | number }>(`/api/rules/files/${enc(file)}`, { yaml: text, version });
                  setVersion(r.version);
                  last.current = text;
                  setSaved(`saved ${new Date().toLocaleTimeString()}`);
                  setAuditKey((k) => k + 1);
                } catch (e) {
                  setSaveErr(e as Error);
                  throw e;
                }
              }}
            />
          </span>
        }
      >
        <YamlEditor doc={text} onChange={setText} check={validate} />
        {checkMissing ? <NotAvailable what="Checking as you type" route="POST /api/rules/validate" /> : null}
        {saveErr instanceof ApiError && saveErr.status === 409 ? <p class="notice bad">Someone saved this file meanwhile: reload it to see their change.</p> : null}
        {check ? (
          <div class="check" data-testid="check" data-ok={String(check.ok)}>
            {check.ok ? <p class="ok">No problem found.</p> : null}
            {check.problems.length ? (
              <ul class="problems">
                {check.problems.map((p) => (
                  <li>
                    {p.line ? `line ${p.line}${p.column ? `:${p.column}` : ''} ` : ''}
                    <code>{p.path}</code> {p.message}
                  </li>
                ))}
              </ul>
            ) : null}
            {check.rules.length ? (
              <p class="muted small">
                {check.rules.map((r) => `${r.id} → ${r.assets.length ? r.assets.join(', ') : 'no asset'}`).join(' · ')}
              </p>
            ) : null}
          </div>
        ) : null}
      </Card>
      <DryRunPanel yamlText={text} />
      <Versions file={file} onRolledBack={() => (loaded.reload(), setAuditKey((k) => k + 1))} />
      <AuditLog key={auditKey} />
    </>
  );
}

/** Rules: the files, the editor with checks as you type, the dry run, versions and rollback, the audit log. */
export function RulesScreen({ file }: { file: string | undefined }) {
  const files = useApi(() => get<RuleFile[]>('/api/rules/files'), [], false);
  const rules = useApi(() => get<RuleSummary[]>('/api/rules'), [], false);
  if (files.error instanceof ApiError && files.error.missing)
    return (
      <div class="rules-screen" data-testid="rules">
        <NotAvailable what="Rule editing" route="GET /api/rules/files (the rules API)" />
        <AuditLog />
      </div>
    );
  return (
    <div class="rules-screen" data-testid="rules">
      <Card title="Rule files">
        <Problem error={files.error} />
        <div class="files">
          {(files.data ?? []).map((f) => (
            <a href={href.rules(f.file)} class={f.file === file ? 'on' : ''}>
              {f.file} <small class="muted">{time(f.updatedAt)}</small>
            </a>
          ))}
        </div>
        {!file && files.data?.length ? (
          <button type="button" onClick={() => go(href.rules(files.data![0]!.file))}>
            Open {files.data[0]!.file}
          </button>
        ) : null}
        {rules.data?.length ? (
          <details>
            <summary>{rules.data.length === 1 ? '1 rule and where it applies' : `${rules.data.length} rules and where they apply`}</summary>
            <table class="list">
              <tbody>
                {rules.data.map((r) => (
                  <tr>
                    <td>
                      <Priority p={r.priority} />
                    </td>
                    <td>
                      {r.name} <small class="muted">{r.id}</small>
                    </td>
                    <td>{r.assets.join(', ') || 'no asset'}</td>
                    <td>
                      <a href={href.rules(r.file)}>{r.file}</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ) : null}
      </Card>
      {file ? <FileEditor file={file} key={file} /> : <AuditLog />}
    </div>
  );
}
