import './style.css';
import { effect, signal } from '@preact/signals';
import { render } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect } from 'preact/hooks';
import { whenUnauthorized } from './api.js';
import { readClock, scale } from './clock.js';
import { liveMode, startLive, stopLive } from './live.js';
import { go, href, route, type Route } from './router.js';
import { loadSession, logout, session } from './session.js';
import { zone } from './units.js';
import { AlarmsScreen } from './views/alarms.js';
import { AssetScreen } from './views/asset.js';
import { LoginScreen } from './views/login.js';
import { OrdersScreen } from './views/orders.js';
import { Overview, prefetchTree } from './views/overview.js';

// The rule editor brings CodeMirror: loaded only when that screen opens.
const RulesScreen = lazy(() => import('./views/rules.js').then((m) => m.RulesScreen));

function Screen({ r }: { r: Route }) {
  switch (r.name) {
    case 'overview':
      return <Overview />;
    case 'asset':
      return <AssetScreen id={r.id} />;
    case 'alarms':
      return <AlarmsScreen />;
    case 'orders':
      return <OrdersScreen />;
    case 'rules':
      return (
        <Suspense fallback={<p class="empty">Loading the rule editor…</p>}>
          <RulesScreen file={r.file} />
        </Suspense>
      );
    case 'login':
      return <LoginScreen />;
  }
}

const NAV: [Route['name'], string, string][] = [
  ['overview', 'Overview', href.overview()],
  ['alarms', 'Alarms', href.alarms()],
  ['orders', 'Work orders', href.orders()],
  ['rules', 'Rules', href.rules()],
];

function App() {
  const r = route.value;
  const s = session.value;
  const site = siteName.value;
  // Read again once logged in: where the config does not open GET /api/health, it needs a login.
  useEffect(() => void (s?.mode === 'user' && !site && learnClock()), [s?.user]);
  if (!s || !clockRead.value) return <p class="empty">Loading…</p>;
  if (s.mode === 'anonymous' && r.name !== 'login') {
    go(href.login());
    return null;
  }
  const current = r.name === 'asset' ? 'overview' : r.name;
  return (
    <>
      <header class="top">
        <a class="brand" href={href.overview()}>
          <span class="logo" aria-hidden="true">◉</span> {site || 'cbm-gateway'}
        </a>
        {s.mode !== 'anonymous' ? (
          <nav>
            {NAV.map(([name, label, to]) => (
              <a href={to} class={current === name ? 'on' : ''} aria-current={current === name ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
        ) : null}
        <div class="who">
          <span class={`live ${liveMode.value}`} title={liveMode.value === 'events' ? 'live: server-sent events' : liveMode.value === 'polling' ? 'live: polling every 5 s' : 'connecting'} />
          {s.mode === 'user' ? (
            <>
              <span data-testid="who">
                {s.user} <small>({s.role})</small>
              </span>
              <button type="button" class="link" onClick={() => logout().then(() => go(href.login()))}>
                Log out
              </button>
            </>
          ) : s.mode === 'open' ? (
            <small title="This gateway has no login: anyone who can reach it may act">no login</small>
          ) : null}
        </div>
      </header>
      <main>
        <Screen r={r} />
      </main>
      <footer>
        Times in {zone}.{scale() !== 1 ? ` The gateway runs simulated time, ${scale().toLocaleString()} times as fast as the clock on the wall.` : ''}
      </footer>
    </>
  );
}

whenUnauthorized(() => {
  if (session.value?.mode === 'user') session.value = { mode: 'anonymous', user: undefined, role: 'viewer' };
  if (route.value.name !== 'login') go(href.login());
});

if (route.value.name === 'overview') prefetchTree();
/** The site's name and the gateway's time (GET /api/health) before the first screen: times on it are the gateway's. */
const siteName = signal('');
const clockRead = signal(false);
async function learnClock(): Promise<void> {
  const h = await readClock();
  if (h) {
    siteName.value = h.site.name;
    document.title = `${h.site.name} · cbm-gateway`;
  }
  clockRead.value = true;
}
void learnClock();
// Kept in step: the browser's timers drift, and a demo's plant time runs an hour a second.
setInterval(() => void learnClock(), 60_000);
void loadSession();
// Live updates while logged in (or on a gateway without login); a new login opens a new stream.
let following: string | undefined;
effect(() => {
  const s = session.value;
  const who = s && s.mode !== 'anonymous' ? `${s.mode}:${s.user ?? ''}` : undefined;
  if (who === following) return;
  following = who;
  if (who) startLive();
  else stopLive();
});
render(<App />, document.getElementById('app')!);
