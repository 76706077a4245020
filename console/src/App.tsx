import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { AccessProvider, useAccess } from './access';
import { onUnauthorized, session } from './api';
import { Spinner } from './components/StatusBadge';
import { ToastProvider, useToast } from './components/Toasts';
import { MissionsPage } from './pages/Missions';
import { SignInPage } from './pages/SignIn';
import { VaultPage } from './pages/Vault';
import { WorkspacePage } from './pages/Workspace';
import { Link, navigate, Redirect, useLocation } from './router';

// The heavy pages load on first use: the AI SDK (live mission), React Flow and dagre (DAG), recharts (analytics).
const code = {
  launch: () => import('./pages/Launch'),
  dag: () => import('./pages/MissionDag'),
  analytics: () => import('./pages/Analytics'),
};
// The page the tab opens on starts loading its code at once, beside the read of the key's permissions.
if (/^\/missions\/[^/]+$/.test(location.pathname)) code.dag();
else if (location.pathname === '/analytics') code.analytics();
else if (location.pathname === '/launch') code.launch();
const LaunchPage = lazy(() => code.launch().then((m) => ({ default: m.LaunchPage })));
const MissionPage = lazy(() => code.dag().then((m) => ({ default: m.MissionPage })));
const AnalyticsPage = lazy(() => code.analytics().then((m) => ({ default: m.AnalyticsPage })));

/** Each page with the permission that makes it useful (the server checks every request all the same). */
const NAV = [
  { to: '/launch', label: 'Launch', needs: 'missions_submit' },
  { to: '/missions', label: 'Missions', needs: 'missions_read' },
  { to: '/analytics', label: 'Cost analytics', needs: 'analytics_read' },
  { to: '/vault', label: 'Vault', needs: 'vault_read' },
  { to: '/workspace', label: 'Workspace', needs: 'workspace_read' },
];

function Page({ path, search }: { path: string; search: URLSearchParams }) {
  const access = useAccess();
  const mission = /^\/missions\/([^/]+)$/.exec(path);
  if (mission) return <MissionPage missionId={decodeURIComponent(mission[1])} />;
  switch (path) {
    case '/launch':
      // A viewer may still follow a mission's live log (?mission=); launching is for roles that can submit.
      return access.can('missions_submit') || search.get('mission') ? <LaunchPage /> : <Redirect to="/missions" />;
    case '/missions':
      return <MissionsPage />;
    case '/analytics':
      return <AnalyticsPage />;
    case '/vault':
      return <VaultPage />;
    case '/workspace':
      return <WorkspacePage />;
    default:
      return <Redirect to={access.can('missions_submit') ? '/launch' : '/missions'} />;
  }
}

function TopNav({ path, onSignOut, onSwitch }: { path: string; onSignOut: () => void; onSwitch: (key: string) => void }) {
  const access = useAccess();
  const held = session.keys();
  const active = session.key();
  return (
    <nav aria-label="Main">
      {NAV.filter((n) => access.can(n.needs)).map((n) => (
        <Link key={n.to} to={n.to} aria-current={path.startsWith(n.to) ? 'page' : undefined}>
          {n.label}
        </Link>
      ))}
      <select
        className="switcher"
        aria-label="Workspace"
        value={active ?? ''}
        onChange={(e) => {
          if (e.target.value === '+') navigate('/signin?add=1');
          else onSwitch(e.target.value);
        }}
      >
        {held.map((k) => (
          <option key={k.key} value={k.key}>
            {k.name} · {k.role}
          </option>
        ))}
        <option value="+">Add a key…</option>
      </select>
      <button type="button" className="link" onClick={onSignOut}>
        Sign out
      </button>
    </nav>
  );
}

function Shell() {
  const toast = useToast();
  const { path, search } = useLocation();
  const [activeKey, setActiveKey] = useState<string | null>(() => session.key());
  useEffect(
    () =>
      onUnauthorized(() => {
        const k = session.key();
        if (k) session.forget(k);
        session.signOut();
        setActiveKey(null);
      }),
    [],
  );
  const onError = useCallback((e: unknown) => toast.show('error', `Workspace: ${(e as Error).message}`), [toast]);
  const signOut = () => {
    session.signOut();
    setActiveKey(null);
    navigate('/signin');
  };
  const switchTo = useCallback((key: string) => {
    session.signIn(key);
    setActiveKey(key);
  }, []);
  const adding = path === '/signin' && search.get('add') === '1';

  return (
    <AccessProvider activeKey={activeKey} fallback={<Spinner label="Loading" />} onError={onError} onSwitch={switchTo}>
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand">G-Pilot</Link>
        {activeKey && <TopNav path={path} onSignOut={signOut} onSwitch={switchTo} />}
      </header>
      <main id="main" tabIndex={-1}>
        {activeKey && !adding ? (
          path === '/signin' ? (
            <Redirect to="/" />
          ) : (
            <Suspense fallback={<Spinner label="Loading" />}>
              {/* a switch of keys mounts the page again: everything it shows is read with the new key */}
              <Page key={activeKey} path={path} search={search} />
            </Suspense>
          )
        ) : (
          <SignInPage
            adding={adding}
            onSignedIn={(key) => {
              setActiveKey(key);
              if (adding) navigate('/workspace');
            }}
            onCancel={adding ? () => history.back() : undefined}
          />
        )}
      </main>
    </AccessProvider>
  );
}

export function App() {
  return (
    <ToastProvider>
      <Shell />
    </ToastProvider>
  );
}
