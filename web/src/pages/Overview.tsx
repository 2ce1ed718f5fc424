// The landing page after sign-in: counts across clouds, regions, VMs and
// tailnet nodes, each linking to the filtered page that lists them; the
// health of Headscale and of every cloud account; the newest audit entries.
import { useEffect, useRef, type ReactNode } from 'react';
import { api, type AuditEntry, type HeadscaleStatus, type Schemas } from '../api/client';
import { explain } from '../api/problem';
import { ErrorNote, ErrorState } from '../components/ErrorNote';
import { Badge, PageHead, Spinner } from '../components/ui';
import { ago, dateTime, plural } from '../lib/format';
import { useNow, useResource, type Resource } from '../lib/hooks';
import { useHealth } from '../lib/health';
import { useLive, type LiveEvent } from '../lib/live';
import { Link } from '../lib/router';
import { useCan } from '../lib/session';
import './overview.css';

type CloudAccount = Schemas['CloudAccount'];

// GET /api/v1/overview (schema.ts types it loosely; see internal/inventory/overview.go).
export interface OverviewData {
  at: string;
  clouds: { total: number; byKind: Record<string, number>; connected: number; syncing: number; stale: number; erroring: number };
  regions: { total: number; list: { provider: string; region: string; vms: number }[] };
  vms: {
    total: number;
    stale: number;
    gone: number;
    byState: Record<string, number>;
    byProvider: Record<string, number>;
    byEnrollment: Record<string, number>;
  };
  nodes: { total: number; online: number; offline: number; linked: number; orphaned: number };
}

/** The order VM states are listed in; others follow by name. */
export const STATE_ORDER = ['running', 'stopped', 'pending', 'stopping', 'terminated', 'unknown'];

export const KIND_TITLES: Record<string, string> = {
  aws: 'AWS',
  azure: 'Azure',
  gcp: 'Google Cloud',
  lxd: 'LXD',
  proxmox: 'Proxmox VE',
};

/** byStateEntries lists the states with VMs, in STATE_ORDER, then the rest by name. */
export function byStateEntries(byState: Record<string, number> | undefined): [string, number][] {
  const e = Object.entries(byState ?? {}).filter(([, n]) => n > 0);
  const rank = (s: string) => {
    const i = STATE_ORDER.indexOf(s);
    return i < 0 ? STATE_ORDER.length : i;
  };
  return e.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
}

/** topRegions are the n regions with the most VMs (ties by provider, then region). */
export function topRegions(list: OverviewData['regions']['list'] | undefined, n = 5): OverviewData['regions']['list'] {
  return [...(list ?? [])]
    .sort((a, b) => b.vms - a.vms || a.provider.localeCompare(b.provider) || a.region.localeCompare(b.region))
    .slice(0, n);
}

export type CloudHealthStatus = 'ok' | 'partial' | 'syncing' | 'stale' | 'error' | 'pending';

export interface CloudHealth {
  status: CloudHealthStatus;
  tone: 'ok' | 'warn' | 'bad' | 'info' | 'neutral';
  label: string;
  /** The error (or partial failure) in full, when any. */
  detail: string;
  /** When the last sync ended, if one did. */
  lastSync?: string;
}

/**
 * cloudHealth sums up an account's sync state: a failing account is stale
 * when it serves its last good data, in error otherwise; a sync in progress
 * shows as syncing unless the account is failing.
 */
export function cloudHealth(c: Pick<CloudAccount, 'sync'>): CloudHealth {
  const s = c.sync;
  const lastSync = s?.lastEnd || s?.lastSuccess || undefined;
  if (!s || (!s.lastEnd && !s.lastSuccess && !s.error)) {
    return s?.syncing
      ? { status: 'syncing', tone: 'info', label: 'Syncing', detail: '', lastSync }
      : { status: 'pending', tone: 'neutral', label: 'Not synced yet', detail: '', lastSync };
  }
  if (s.error) {
    return s.stale
      ? { status: 'stale', tone: 'warn', label: 'Stale', detail: s.error, lastSync }
      : { status: 'error', tone: 'bad', label: 'Error', detail: s.error, lastSync };
  }
  if (s.syncing) return { status: 'syncing', tone: 'info', label: 'Syncing', detail: '', lastSync };
  if (s.partial) return { status: 'partial', tone: 'warn', label: 'Partial', detail: s.partial, lastSync };
  return { status: 'ok', tone: 'ok', label: 'OK', detail: '', lastSync };
}

/** RELOAD_AFTER_MS is how long after a live change the page reloads (changes in between are folded in). */
export const RELOAD_AFTER_MS = 1000;

/** reloadsOverview says whether a live event can change what the overview shows. */
export function reloadsOverview(type: string): boolean {
  return (
    type === 'resync' ||
    type === 'sync.finished' ||
    type.startsWith('vm.') ||
    type.startsWith('node.') ||
    type.startsWith('cloud.')
  );
}

interface Headscale {
  status: HeadscaleStatus;
  latencyMs: number;
}

/** useSoonReload reloads the resources once, RELOAD_AFTER_MS after the first of a burst of matching events. */
function useSoonReload(accept: (e: LiveEvent) => boolean, reload: () => void) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  useLive((e) => {
    if (!accept(e) || timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      reload();
    }, RELOAD_AFTER_MS);
  });
}

export function Overview() {
  const isAdmin = useCan('admin');
  const now = useNow(30_000);
  const health = useHealth();

  useEffect(() => {
    document.title = 'Overview · Neogenesys Console';
  }, []);

  const ov = useResource(async (signal) => (await api.get('/api/v1/overview', { signal })) as unknown as OverviewData, []);
  const clouds = useResource(async (signal) => (await api.get('/api/v1/clouds', { signal })).clouds, []);
  const audit = useResource(async (signal) => (await api.get('/api/v1/audit', { signal, query: { limit: 8 } })).entries.slice(0, 8), []);
  const hs = useResource<Headscale>(async (signal) => {
    const t0 = performance.now();
    const status = await api.get('/api/v1/headscale', { signal });
    return { status, latencyMs: Math.round(performance.now() - t0) };
  }, []);

  useSoonReload(
    (e) => reloadsOverview(e.type),
    () => {
      void ov.reload();
      void clouds.reload();
      void audit.reload();
    },
  );
  useSoonReload(
    (e) => e.type === 'resync',
    () => void hs.reload(),
  );
  // The shell's health poll notices Headscale going away or coming back first.
  const firstHealth = useRef(true);
  useEffect(() => {
    if (firstHealth.current) {
      firstHealth.current = false;
      return;
    }
    void hs.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [health.down]);

  const d = ov.data;
  const noCloud = (d ? d.clouds.total === 0 : false) && (clouds.data ? clouds.data.length === 0 : true);

  return (
    <div className="page overview" data-testid="overview">
      <PageHead title="Overview" sub={d ? <span title={dateTime(d.at)}>Counts as of {ago(d.at, now)}</span> : undefined}>
        {(ov.loading || clouds.loading) && d && <Spinner label="Refreshing" />}
      </PageHead>

      {!d && ov.error ? (
        <ErrorState error={ov.error} onRetry={() => void ov.reload()} />
      ) : !d ? (
        <div className="loading">
          <Spinner label="Loading the overview" /> Loading the overview…
        </div>
      ) : (
        <>
          {ov.error !== undefined && <ErrorNote error={ov.error} />}
          {noCloud && (
            <div className="card ov-cta" data-testid="no-cloud">
              <div>
                <h2>No cloud connected yet</h2>
                <p className="muted">
                  Connect an AWS, Azure, Google Cloud, LXD or Proxmox VE account to see its VMs, enroll them in the tailnet and follow
                  their state here.
                </p>
              </div>
              {isAdmin ? (
                <Link to="/clouds/new" className="btn primary">
                  Connect a cloud
                </Link>
              ) : (
                <p className="muted">An admin can connect one.</p>
              )}
            </div>
          )}
          <Tiles d={d} />
        </>
      )}

      <div className="ov-columns">
        <section className="card ov-health" aria-labelledby="ov-health-h">
          <div className="card-head">
            <h2 id="ov-health-h">Health</h2>
            <Link to="/clouds">Clouds</Link>
          </div>
          <HeadscaleHealth res={hs} down={health.down} />
          <CloudHealthRows res={clouds} now={now} />
        </section>

        <section className="card ov-audit" aria-labelledby="ov-audit-h">
          <div className="card-head">
            <h2 id="ov-audit-h">Recent activity</h2>
            <Link to="/audit">Open the audit log</Link>
          </div>
          <RecentAudit res={audit} now={now} />
        </section>
      </div>
    </div>
  );
}

function Tile({ testid, title, value, to, children, tone }: { testid: string; title: string; value: number; to: string; children?: ReactNode; tone?: 'warn' | 'bad' }) {
  return (
    <section className={`ov-tile${tone && value > 0 ? ` ${tone}` : ''}`} data-testid={testid} aria-label={title}>
      <h2 className="ov-tile-title">{title}</h2>
      <Link to={to} className="ov-num" aria-label={`${value.toLocaleString()} ${title}`}>
        {value.toLocaleString()}
      </Link>
      {children && <div className="ov-tile-body">{children}</div>}
    </section>
  );
}

function Count({ to, n, label, tone }: { to: string; n: number; label: string; tone?: 'ok' | 'warn' | 'bad' | 'info' }) {
  return (
    <li>
      <Link to={to}>
        <span className={tone && n > 0 ? `ov-dot ${tone}` : 'ov-dot'} aria-hidden="true" />
        {label}
      </Link>
      <span className="ov-count">{n.toLocaleString()}</span>
    </li>
  );
}

const STATE_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info' | undefined> = {
  running: 'ok',
  pending: 'info',
  stopping: 'info',
  stopped: undefined,
  terminated: 'bad',
  unknown: 'warn',
};

function Tiles({ d }: { d: OverviewData }) {
  const kinds = Object.entries(d.clouds.byKind ?? {}).filter(([, n]) => n > 0);
  const states = byStateEntries(d.vms.byState);
  const regions = topRegions(d.regions.list);
  const notEnrolled = d.vms.byEnrollment?.['not-enrolled'] ?? 0;
  return (
    <div className="ov-tiles">
      <Tile testid="tile-clouds" title="Clouds" value={d.clouds.total} to="/clouds">
        {kinds.length > 0 && (
          <div className="badges ov-kinds">
            {kinds.map(([k, n]) => (
              <span key={k} className="tag">
                {KIND_TITLES[k] ?? k} {n}
              </span>
            ))}
          </div>
        )}
        <ul className="ov-list">
          <Count to="/clouds" n={d.clouds.connected} label="Connected" tone="ok" />
          <Count to="/clouds" n={d.clouds.syncing} label="Syncing" tone="info" />
          <Count to="/clouds" n={d.clouds.stale} label="Stale" tone="warn" />
          <Count to="/clouds" n={d.clouds.erroring} label="Erroring" tone="bad" />
        </ul>
      </Tile>

      <Tile testid="tile-vms" title="VMs" value={d.vms.total} to="/vms">
        <ul className="ov-list">
          {states.length === 0 && <li className="muted">No VM yet</li>}
          {states.map(([s, n]) => (
            <Count key={s} to={`/vms?state=${encodeURIComponent(s)}`} n={n} label={s[0].toUpperCase() + s.slice(1)} tone={STATE_TONE[s]} />
          ))}
          {d.vms.stale > 0 && <Count to="/vms?stale=true" n={d.vms.stale} label="Stale data" tone="warn" />}
          {d.vms.gone > 0 && <Count to="/vms?gone=true" n={d.vms.gone} label="Gone" tone="bad" />}
        </ul>
      </Tile>

      <Tile testid="tile-not-enrolled" title="VMs not enrolled" value={notEnrolled} to="/vms?enrollment=not-enrolled" tone="warn">
        <ul className="ov-list">
          <Count to="/vms?enrollment=enrolled-online" n={d.vms.byEnrollment?.['enrolled-online'] ?? 0} label="Enrolled, online" tone="ok" />
          <Count to="/vms?enrollment=enrolled-offline" n={d.vms.byEnrollment?.['enrolled-offline'] ?? 0} label="Enrolled, offline" />
        </ul>
      </Tile>

      <Tile testid="tile-regions" title="Regions" value={d.regions.total} to="/vms">
        <ul className="ov-list">
          {regions.length === 0 && <li className="muted">No VM in any region yet</li>}
          {regions.map((r) => (
            <Count
              key={`${r.provider}/${r.region}`}
              to={`/vms?provider=${encodeURIComponent(r.provider)}&region=${encodeURIComponent(r.region)}`}
              n={r.vms}
              label={`${r.region} (${KIND_TITLES[r.provider] ?? r.provider})`}
            />
          ))}
        </ul>
      </Tile>

      <Tile testid="tile-nodes-online" title="Active connections" value={d.nodes.online} to="/machines?online=true">
        <p className="muted">Machines connected to the tailnet, of {plural(d.nodes.total, 'machine')}.</p>
      </Tile>

      <Tile testid="tile-nodes-offline" title="Machines offline" value={d.nodes.offline} to="/machines?online=false">
        <p className="muted">Not connected right now.</p>
      </Tile>

      <Tile testid="tile-orphaned" title="Orphaned machines" value={d.nodes.orphaned} to="/machines?orphaned=true" tone="bad">
        <p className="muted">
          Their VM is gone from its cloud. <Link to="/machines?orphaned=false">{plural(d.nodes.linked, 'machine')}</Link> run on a known VM.
        </p>
      </Tile>
    </div>
  );
}

function HeadscaleHealth({ res, down }: { res: Resource<Headscale>; down: boolean }) {
  const st = res.data?.status;
  const failed = res.error !== undefined && !res.loading;
  const up = !!st && st.health === 'ok' && !down && !failed;
  const loose = st as (HeadscaleStatus & { version?: string; connection: { version?: string } }) | undefined;
  const version = loose?.version || loose?.connection?.version;
  return (
    <div className="ov-row" data-testid="headscale-health">
      <div className="ov-row-main">
        <strong>Headscale</strong>
        {!st && !res.error ? (
          <Spinner label="Checking Headscale" />
        ) : (
          <Badge tone={up ? 'ok' : 'bad'}>{up ? 'Up' : 'Down'}</Badge>
        )}
        {version && <span className="muted">v{version.replace(/^v/, '')}</span>}
        {up && res.data && <span className="muted">answered in {res.data.latencyMs} ms</span>}
      </div>
      {st && (
        <div className="ov-row-sub muted">
          {st.connection.mode === 'managed' ? 'Managed by the console' : 'External'} · <code>{st.connection.address}</code>
          {st.connection.managed && (
            <>
              {' '}
              · {st.connection.managed.state}
              {st.connection.managed.restarts > 0 && `, ${plural(st.connection.managed.restarts, 'restart')}`}
            </>
          )}
        </div>
      )}
      {!up && (st || res.error !== undefined) && (
        <div className="ov-row-error">
          {res.error !== undefined ? explain(res.error).message : st && st.health !== 'ok' ? st.health : 'Headscale does not answer the console.'}
          {st?.connection.managed?.lastError && <div>{st.connection.managed.lastError}</div>}
        </div>
      )}
    </div>
  );
}

function CloudHealthRows({ res, now }: { res: Resource<CloudAccount[]>; now: number }) {
  if (!res.data) {
    if (res.error !== undefined) return <ErrorNote error={res.error} />;
    return (
      <div className="loading">
        <Spinner label="Loading clouds" /> Loading clouds…
      </div>
    );
  }
  return (
    <>
      {res.error !== undefined && <ErrorNote error={res.error} />}
      {res.data.length === 0 && <p className="muted ov-row">No cloud account yet.</p>}
      <ul className="ov-clouds" aria-label="Cloud accounts">
        {res.data.map((c) => {
          const h = cloudHealth(c);
          return (
            <li key={c.id} className="ov-row" data-testid="cloud-health" data-status={h.status}>
              <div className="ov-row-main">
                <Link to={`/clouds/${c.id}/vms`}>
                  <strong>{c.name}</strong>
                </Link>
                <span className="tag">{KIND_TITLES[c.kind] ?? c.kind}</span>
                <Badge tone={h.tone}>{h.label}</Badge>
                {c.sync?.syncing && h.status !== 'syncing' && <Badge tone="info">Syncing</Badge>}
                <span className="muted ov-right" title={h.lastSync ? dateTime(h.lastSync) : undefined}>
                  {h.lastSync ? `synced ${ago(h.lastSync, now)}` : 'never synced'}
                  {typeof c.sync?.vms === 'number' && ` · ${plural(c.sync.vms, 'VM')}`}
                </span>
              </div>
              {h.detail && <div className={h.status === 'error' ? 'ov-row-error' : 'ov-row-warn'}>{h.detail}</div>}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function RecentAudit({ res, now }: { res: Resource<AuditEntry[]>; now: number }) {
  if (!res.data) {
    if (res.error !== undefined) return <ErrorNote error={res.error} />;
    return (
      <div className="loading">
        <Spinner label="Loading activity" /> Loading activity…
      </div>
    );
  }
  if (res.data.length === 0) return <p className="muted">Nothing recorded yet.</p>;
  return (
    <>
      {res.error !== undefined && <ErrorNote error={res.error} />}
      <div className="table-wrap ov-audit-wrap">
        <table className="grid" data-testid="recent-audit">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((e) => (
              <tr key={e.id}>
                <td data-label="Time" title={dateTime(e.time)}>
                  {ago(e.time, now)}
                </td>
                <td data-label="Actor">{e.user}</td>
                <td data-label="Action">
                  <code>{e.action}</code>
                </td>
                <td data-label="Target">{e.target || <span className="muted">—</span>}</td>
                <td data-label="Result">
                  <Badge tone={e.outcome === 'success' ? 'ok' : 'bad'}>{e.outcome === 'success' ? 'OK' : 'Failed'}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
