import { lazy, Suspense, useEffect, useState } from 'react';
import { onUnauthorized, session } from './api';
import { Spinner } from './components/StatusBadge';
import { ToastProvider } from './components/Toasts';
import { MissionsPage } from './pages/Missions';
import { SignInPage } from './pages/SignIn';
import { VaultPage } from './pages/Vault';

// The heavy pages load on first use: the AI SDK (live mission), React Flow and dagre (DAG), recharts (analytics).
const LaunchPage = lazy(() => import('./pages/Launch').then((m) => ({ default: m.LaunchPage })));
const MissionPage = lazy(() => import('./pages/MissionDag').then((m) => ({ default: m.MissionPage })));
const AnalyticsPage = lazy(() => import('./pages/Analytics').then((m) => ({ default: m.AnalyticsPage })));
import { Link, navigate, Redirect, useLocation } from './router';

const NAV = [
  { to: '/launch', label: 'Launch' },
  { to: '/missions', label: 'Missions' },
  { to: '/analytics', label: 'Cost analytics' },
  { to: '/vault', label: 'Vault' },
];

function Page({ path }: { path: string }) {
  const mission = /^\/missions\/([^/]+)$/.exec(path);
  if (mission) return <MissionPage missionId={decodeURIComponent(mission[1])} />;
  switch (path) {
    case '/launch':
      return <LaunchPage />;
    case '/missions':
      return <MissionsPage />;
    case '/analytics':
      return <AnalyticsPage />;
    case '/vault':
      return <VaultPage />;
    default:
      return <Redirect to="/launch" />;
  }
}

export function App() {
  const { path } = useLocation();
  const [signedIn, setSignedIn] = useState(() => session.key() != null);
  useEffect(
    () =>
      onUnauthorized(() => {
        session.signOut();
        setSignedIn(false);
      }),
    [],
  );

  return (
    <ToastProvider>
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/launch" className="brand">G-Pilot</Link>
        {signedIn && (
          <nav aria-label="Main">
            {NAV.map((n) => (
              <Link key={n.to} to={n.to} aria-current={path.startsWith(n.to) ? 'page' : undefined}>
                {n.label}
              </Link>
            ))}
            <button
              type="button"
              className="link"
              onClick={() => {
                session.signOut();
                setSignedIn(false);
                navigate('/signin');
              }}
            >
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {signedIn ? (
          path === '/signin' ? (
            <Redirect to="/launch" />
          ) : (
            <Suspense fallback={<Spinner label="Loading" />}>
              <Page path={path} />
            </Suspense>
          )
        ) : (
          <SignInPage onSignedIn={() => setSignedIn(true)} />
        )}
      </main>
    </ToastProvider>
  );
}
