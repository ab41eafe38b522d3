import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { tick } from '../live.js';
import { can, type Role } from '../session.js';

/** Health bands, as the server documents them: good ≥ 80, watch ≥ 50, act below. */
export function band(score: number): 'good' | 'watch' | 'act' {
  return score >= 80 ? 'good' : score >= 50 ? 'watch' : 'act';
}

export function Score({ score, big }: { score: number; big?: boolean }) {
  return (
    <span class={`score ${band(score)}${big ? ' big' : ''}`} title={`health ${score} of 100 (${band(score)})`}>
      {Math.round(score)}
    </span>
  );
}

const PRIORITY = ['', 'critical', 'high', 'medium', 'low'];
export function Priority({ p }: { p: number }) {
  return (
    <span class={`prio p${p}`} title={`priority ${p}: ${PRIORITY[p] ?? ''}`}>
      P{p}
    </span>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Reads `load()` when the screen opens, when `deps` change and on every live update; keeps the
 * last good answer on screen while a refresh runs.
 */
export function useApi<T>(load: () => Promise<T>, deps: unknown[] = [], live = true): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [n, setN] = useState(0);
  const t = live ? tick.value : 0;
  useEffect(() => {
    let alive = true;
    load().then(
      (data) => alive && setState({ data, error: undefined, loading: false }),
      (error: Error) => alive && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      alive = false;
    };
  }, [...deps, t, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

/** A part of the API this gateway does not have yet (the route answers 404). */
export function NotAvailable({ what, route }: { what: string; route: string }) {
  return (
    <div class="notice" data-testid="not-available">
      <b>{what} is not available on this gateway.</b> The page needs <code>{route}</code>, which this version of the gateway does not serve.
    </div>
  );
}

/** Where a rule text is wrong, as the API lists it: `line 12:19 rules[0].conditions… unknown operator`. */
export interface TextProblem {
  line?: number | null;
  column?: number | null;
  path?: string;
  message: string;
}

export function ProblemList({ problems }: { problems: TextProblem[] }) {
  return (
    <ul class="problems">
      {problems.map((p) => (
        <li>
          {p.line ? `line ${p.line}${p.column ? `:${p.column}` : ''} ` : ''}
          {p.path ? <code>{p.path}</code> : null} {p.message}
        </li>
      ))}
    </ul>
  );
}

/** A refusal from the API in words: its message, and where it lists them, the problems (a rule text that does not load). */
export function Problem({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const e = error as ApiError;
  const problems = (e.body as { problems?: TextProblem[] } | undefined)?.problems;
  return (
    <div class="notice bad" role="alert">
      {e.status === 403 ? 'Not allowed for your role: ' : ''}
      {e.message}
      {e.code ? <small> ({e.code})</small> : null}
      {problems?.length ? <ProblemList problems={problems} /> : null}
    </div>
  );
}

/**
 * A command button: disabled with the reason when the role is too low (the server refuses it
 * anyway); runs `run`, shows the server's refusal (unless `quiet`: the screen shows it), and
 * asks the screen to reload after.
 */
export function Act({ label, needs, run, done, confirm: ask, kind, disabled, why, quiet }: { label: string; needs: Role; run: () => Promise<unknown>; done?: () => void; confirm?: string; kind?: 'danger'; disabled?: boolean; why?: string; quiet?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<Error | undefined>();
  const allowed = can(needs);
  return (
    <span class="act">
      <button
        type="button"
        class={kind === 'danger' ? 'danger' : ''}
        disabled={busy || !allowed || disabled}
        title={!allowed ? `needs the ${needs} role` : disabled && why ? why : label}
        onClick={async () => {
          if (ask && !window.confirm(ask)) return;
          setBusy(true);
          setErr(undefined);
          try {
            await run();
            done?.();
          } catch (e) {
            setErr(e as Error);
          } finally {
            setBusy(false);
          }
        }}
      >
        {label}
      </button>
      {err && !quiet ? <span class="act-error" role="alert">{(err as ApiError).status === 403 ? `refused: ${err.message}` : err.message}</span> : null}
    </span>
  );
}

export function Card({ title, children, right, id }: { title?: ComponentChildren; children: ComponentChildren; right?: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id}>
      {title || right ? (
        <header class="card-head">
          <h2>{title}</h2>
          {right}
        </header>
      ) : null}
      {children}
    </section>
  );
}

/** Chooses a number of days for a KPI window. */
export function Days({ value, options, onChange }: { value: number; options: number[]; onChange: (d: number) => void }) {
  return (
    <label class="days">
      last{' '}
      <select value={value} onChange={(e) => onChange(Number((e.target as HTMLSelectElement).value))}>
        {options.map((d) => (
          <option value={d}>{d === 1 ? '24 hours' : `${d} days`}</option>
        ))}
      </select>
    </label>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
