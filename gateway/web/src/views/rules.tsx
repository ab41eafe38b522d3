import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, enc, get, post, put } from '../api.js';
import { now as gatewayNow } from '../clock.js';
import { assetName, forgetNames } from '../names.js';
import { go, href } from '../router.js';
import { can } from '../session.js';
import { clock, time } from '../units.js';
import { AuditLog } from './audit.js';
import { Act, Card, Empty, Priority, Problem, ProblemList, useApi } from './common.js';
import { DryRunPanel } from './dry-run.js';
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
  rules: { id: string; name: string; assets: string[] }[];
}
function Versions({ file, onRolledBack }: { file: string; onRolledBack: () => void }) {
  const v = useApi(() => get<{ version: string | number; at: string; actor: string; action: string }[]>(`/api/rules/files/${enc(file)}/versions`), [file]);
  return (
    <Card title="Versions">
      <Problem error={v.error} />
      {v.data?.length ? (
        <table class="list">
          <tbody>
            {v.data.map((x, i) => (
              <tr>
                <td>{time(x.at)}</td>
                <td>{x.action === 'file' ? <span title="the text found in the file before a save from this page">as found on disk</span> : `${x.action === 'rollback' ? 'rolled back by' : 'saved by'} ${x.actor}`}</td>
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

/** A refused save, in words: someone else's save, or the problems that kept the text from loading. */
function SaveRefused({ error, reload }: { error: Error | undefined; reload: () => void }) {
  if (!(error instanceof ApiError)) return <Problem error={error} />;
  if (error.status === 409)
    return (
      <div class="notice bad" role="alert">
        Not saved: this file changed since you opened it (saved by someone else, or edited on the gateway). Copy your change, then{' '}
        <button type="button" class="link" onClick={reload}>
          load the file as it is now
        </button>
        .
      </div>
    );
  const problems = (error.body as { problems?: YamlProblem[] } | undefined)?.problems;
  if (error.status === 422 && problems?.length)
    return (
      <div class="notice bad" role="alert">
        Not saved: the rules did not load, and the file was left as it was.
        <ProblemList problems={problems} />
      </div>
    );
  return (
    <div class="notice bad" role="alert">
      Not saved: {error.status === 403 ? `your role may not save rules (${error.message})` : error.message}
    </div>
  );
}

/** The assets a rule applies to, by name: `Pump 101, Pump 102 and 7 more`. */
const assetList = (ids: string[]) => (ids.length ? ids.slice(0, 5).map(assetName).join(', ') + (ids.length > 5 ? ` and ${ids.length - 5} more` : '') : 'no asset');
const appliesTo = (r: { name: string; assets: string[] }) => `${r.name} → ${assetList(r.assets)}`;

function FileEditor({ file }: { file: string }) {
  const loaded = useApi(() => get<{ file: string; yaml: string; version: string | number }>(`/api/rules/files/${enc(file)}`), [file], false);
  const [text, setText] = useState<string | undefined>();
  const [version, setVersion] = useState<string | number | undefined>();
  const [check, setCheck] = useState<Validation | undefined>();
  const [saveErr, setSaveErr] = useState<Error | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [auditKey, setAuditKey] = useState(0);
  const [revision, setRevision] = useState(0);
  const last = useRef('');
  const current = useRef('');
  const editable = can('engineer');
  useEffect(() => {
    if (loaded.data) {
      setText(loaded.data.yaml);
      setVersion(loaded.data.version);
      setSaveErr(undefined);
      last.current = current.current = loaded.data.yaml;
      setRevision((r) => r + 1);
    }
  }, [loaded.data]);
  if (loaded.error) return <Problem error={loaded.error} />;
  if (text === undefined) return <Empty>Loading…</Empty>;
  const dirty = text !== last.current;
  const validate = async (t: string): Promise<YamlProblem[]> => {
    try {
      const r = await post<Validation>('/api/rules/validate', { file, yaml: t });
      // A slower answer for an older text must not replace the newer one's.
      if (t === current.current) setCheck(r);
      return r.problems;
    } catch {
      return [];
    }
  };
  const edit = (t: string) => {
    current.current = t;
    setText(t);
  };
  return (
    <>
      <Card
        title={file}
        right={
          <span class="actions">
            {saved ? <small class="ok">{saved}</small> : null}
            <button type="button" disabled={!dirty} onClick={() => (edit(last.current), setRevision((r) => r + 1))}>
              Revert
            </button>
            <Act
              label="Save and reload"
              needs="engineer"
              disabled={!dirty || check?.ok === false}
              why={dirty ? 'the text has problems (listed below the editor)' : 'nothing changed'}
              quiet
              run={async () => {
                setSaveErr(undefined);
                try {
                  const r = await put<{ version: string | number; changed: boolean }>(`/api/rules/files/${enc(file)}`, { yaml: text, version });
                  setVersion(r.version);
                  last.current = text;
                  setSaved(`saved ${clock(gatewayNow())}, rules reloaded`);
                  setAuditKey((k) => k + 1);
                  forgetNames();
                } catch (e) {
                  setSaveErr(e as Error);
                  throw e;
                }
              }}
            />
          </span>
        }
      >
        {!editable ? <p class="muted small">Read only: changing rules needs the engineer role.</p> : null}
        <YamlEditor doc={text} revision={revision} onChange={edit} check={validate} readOnly={!editable} />
        <SaveRefused error={saveErr} reload={loaded.reload} />
        {check ? (
          <div class="check" data-testid="check" data-ok={String(check.ok)}>
            {check.ok ? <p class="ok">No problem found.</p> : null}
            {check.problems.length ? <ProblemList problems={check.problems} /> : null}
            {check.rules.length ? <p class="muted small">{check.rules.map(appliesTo).join(' · ')}</p> : null}
          </div>
        ) : null}
      </Card>
      <DryRunPanel file={file} yamlText={text} />
      {editable ? <Versions file={file} key={auditKey} onRolledBack={() => (loaded.reload(), setAuditKey((k) => k + 1))} /> : null}
      <AuditLog key={auditKey} target={file} title="Changes to this file" />
    </>
  );
}

/** Rules: the files, the editor with checks as you type, the dry run, versions and rollback, the audit log. */
export function RulesScreen({ file }: { file: string | undefined }) {
  const files = useApi(() => get<RuleFile[]>('/api/rules/files'), [], false);
  const rules = useApi(() => get<RuleSummary[]>('/api/rules'), [], false);
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
                    <td>{assetList(r.assets)}</td>
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
