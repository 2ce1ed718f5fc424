import { useEffect, useState, type ReactNode } from 'react';
import { setClientHooks } from './api/client';
import { ErrorState } from './components/ErrorNote';
import { Toasts } from './components/Toasts';
import { Spinner } from './components/ui';
import { checkHealth, reportDown, startHealth, stopHealth, useHealth } from './lib/health';
import { startLive, stopLive, useLiveState } from './lib/live';
import { startNodesLive, stopNodesLive } from './lib/nodes';
import { Link, match, navigate, useLocation } from './lib/router';
import { can, loadSession, safeNext, sessionExpired, signInPath, signOut, useSession } from './lib/session';
import type { Role } from './api/client';
import { Audit } from './pages/Audit';
import { CloudForm } from './pages/CloudForm';
import { Clouds } from './pages/Clouds';
import { Keys } from './pages/Keys';
import { Logins } from './pages/Logins';
import { Machines } from './pages/Machines';
import { Overview } from './pages/Overview';
import { ProxmoxClusters } from './pages/ProxmoxClusters';
import { Policy } from './pages/Policy';
import { Register } from './pages/Register';
import { Settings } from './pages/Settings';
import { SignIn } from './pages/SignIn';
import { Users } from './pages/Users';
import { VMs } from './pages/VMs';

setClientHooks({
  onUnauthenticated: sessionExpired,
  onHeadscaleUnavailable: (e) => reportDown(e.detail || e.title),
});

interface NavItem {
  to: string;
  label: string;
  min: Role;
  /** Other paths that belong to this item. */
  also?: string[];
}

const NAV: NavItem[] = [
  { to: '/', label: 'Overview', min: 'viewer' },
  { to: '/machines', label: 'Machines', min: 'viewer', also: ['/register'] },
  { to: '/vms', label: 'VMs', min: 'viewer' },
  { to: '/clouds', label: 'Clouds', min: 'viewer' },
  { to: '/proxmox', label: 'Proxmox', min: 'viewer' },
  { to: '/logins', label: 'Logins', min: 'operator' },
  { to: '/keys', label: 'Keys', min: 'viewer' },
  { to: '/users', label: 'Users', min: 'viewer' },
  { to: '/policy', label: 'Policy', min: 'viewer' },
  { to: '/audit', label: 'Audit', min: 'viewer' },
  { to: '/settings', label: 'Settings', min: 'viewer' },
];

export function App() {
  const s = useSession();
  const loc = useLocation();
  const [bootError, setBootError] = useState<unknown>(undefined);

  const boot = () => {
    setBootError(undefined);
    loadSession().catch(setBootError);
  };
  useEffect(boot, []);

  useEffect(() => {
    if (s.status !== 'signedIn') return;
    startLive();
    startHealth();
    startNodesLive();
    return () => {
      stopLive();
      stopHealth();
      stopNodesLive();
    };
  }, [s.status, s.me?.user.id]);

  // Signed out: everything but the sign-in page sends you there (and back after).
  useEffect(() => {
    if (s.status === 'signedOut' && loc.path !== '/signin') navigate(signInPath(loc.href), { replace: true });
    if (s.status === 'signedIn' && loc.path === '/signin') navigate(safeNext(loc.search.get('next')), { replace: true });
  }, [s.status, loc.path, loc.href, loc.search]);

  if (bootError) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card">
          <ErrorState error={bootError} onRetry={boot} />
        </div>
      </main>
    );
  }
  if (s.status === 'loading') {
    return (
      <div className="splash">
        <Spinner label="Starting" />
      </div>
    );
  }
  if (s.status === 'signedOut' || loc.path === '/signin') return <SignIn />;
  return (
    <Shell>
      <Routes path={loc.path} />
    </Shell>
  );
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/') return <Overview />;
  if (path === '/machines') return <Machines />;
  if (path === '/proxmox') return <ProxmoxClusters />;
  if (path === '/vms') return <VMs />;
  if ((m = match('/clouds/:id/vms', path)) && /^\d+$/.test(m.id)) return <VMs cloudId={Number(m.id)} />;
  if (path === '/clouds') return <Clouds />;
  if (path === '/clouds/new') return <CloudForm />;
  if ((m = match('/clouds/:id/edit', path)) && /^\d+$/.test(m.id)) return <CloudForm id={Number(m.id)} />;
  if (path === '/logins') return <Logins />;
  if ((m = match('/logins/:authId', path))) return <Logins authId={m.authId} />;
  if (path === '/register') return <Register />;
  if (path === '/keys') return <Keys />;
  if (path === '/users') return <Users />;
  if (path === '/policy') return <Policy />;
  if (path === '/audit') return <Audit />;
  if (path === '/settings') return <Settings />;
  return (
    <div className="page">
      <div className="error-state">
        <h1>Page not found</h1>
        <p>
          There is nothing at <code>{path}</code>. <Link to="/">Go to the overview</Link>.
        </p>
      </div>
    </div>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const s = useSession();
  const loc = useLocation();
  const role = s.me?.user.role;
  const live = useLiveState();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [loc.path]);
  const items = NAV.filter((n) => can(role, n.min));
  const active = (n: NavItem) => loc.path === n.to || loc.path.startsWith(`${n.to}/`) || !!n.also?.some((a) => loc.path.startsWith(a));
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="logo" aria-hidden="true" />
          <span>Neogenesys Console</span>
        </Link>
        <button
          type="button"
          className="icon-btn nav-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          aria-label="Menu"
          onClick={() => setMenuOpen((o) => !o)}
        >
          ☰
        </button>
        <nav id="main-nav" className={menuOpen ? 'nav open' : 'nav'} aria-label="Main">
          {items.map((n) => (
            <Link key={n.to} to={n.to} aria-current={active(n) ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="who">
          <span className={`live live-${live}`} title={live === 'live' ? 'Live updates on' : 'Live updates reconnecting'}>
            <span className="live-dot" aria-hidden="true" />
            <span className="live-text">{live === 'live' ? 'Live' : live === 'off' ? '' : 'Reconnecting'}</span>
          </span>
          <span className="account" data-testid="account">
            {s.me?.user.username} <span className="role">{role}</span>
          </span>
          <button type="button" className="btn small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <HeadscaleBanner />
      <main id="main" tabIndex={-1} className="main">
        {children}
      </main>
      <Toasts />
    </div>
  );
}

function HeadscaleBanner() {
  const h = useHealth();
  if (!h.down) return null;
  return (
    <div className="banner" role="alert" data-testid="headscale-banner">
      <div className="banner-text">
        <strong>Headscale is not answering.</strong> The console shows the last data it had and retries by itself.
        {h.detail && <div className="banner-detail">{h.detail}</div>}
      </div>
      <button type="button" className="btn small" onClick={() => void checkHealth()} disabled={h.checking}>
        {h.checking ? 'Retrying…' : 'Retry now'}
      </button>
    </div>
  );
}
